// The WATCH_* variables of the gateway configuration.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "gateway/server/config.h"
#include "tests/testing/status_matchers.h"

namespace maesn::gateway {
namespace {

using ::maesn::testing::IsOk;
using ::maesn::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

absl::StatusOr<GatewayConfig> Load(std::map<std::string, std::string> env) {
  return ConfigFromEnvironment([env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(WatchConfigTest, Defaults) {
  auto c = Load({});
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->watch_poll_min, absl::Seconds(1));
  EXPECT_EQ(c->watch_poll_max, absl::Seconds(15));
  EXPECT_EQ(c->watch_max_duration, absl::Hours(1));
  EXPECT_EQ(c->watch_max_streams, 10000);
  EXPECT_EQ(c->watch_heartbeat_min, absl::Seconds(1));
}

TEST(WatchConfigTest, ReadsValues) {
  auto c = Load({{"WATCH_POLL_MIN_MS", "250"},
                 {"WATCH_POLL_MAX_MS", "4000"},
                 {"WATCH_MAX_DURATION_MS", "600000"},
                 {"WATCH_MAX_STREAMS", "20000"},
                 {"WATCH_HEARTBEAT_MIN_MS", "50"}});
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->watch_poll_min, absl::Milliseconds(250));
  EXPECT_EQ(c->watch_poll_max, absl::Milliseconds(4000));
  EXPECT_EQ(c->watch_max_duration, absl::Minutes(10));
  EXPECT_EQ(c->watch_max_streams, 20000);
  EXPECT_EQ(c->watch_heartbeat_min, absl::Milliseconds(50));
}

TEST(WatchConfigTest, MinEqualToMaxMeansAFixedInterval) {
  auto c = Load({{"WATCH_POLL_MIN_MS", "2000"}, {"WATCH_POLL_MAX_MS", "2000"}});
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->watch_poll_min, c->watch_poll_max);
}

TEST(WatchConfigTest, MaxBelowMinIsRefusedNamingBoth) {
  // Only the minimum is raised: the default maximum (15 s) is now below it.
  EXPECT_THAT(Load({{"WATCH_POLL_MIN_MS", "20000"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("WATCH_POLL_MAX_MS"),
                             HasSubstr("WATCH_POLL_MIN_MS"))));
}

struct BadWatch {
  const char* var;
  const char* value;
};

class BadWatchConfigTest : public ::testing::TestWithParam<BadWatch> {};

TEST_P(BadWatchConfigTest, NamesTheVariable) {
  EXPECT_THAT(
      Load({{GetParam().var, GetParam().value}}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(GetParam().var)));
}

INSTANTIATE_TEST_SUITE_P(
    Values, BadWatchConfigTest,
    ::testing::Values(BadWatch{"WATCH_POLL_MIN_MS", "0"},
                      BadWatch{"WATCH_POLL_MIN_MS", "fast"},
                      BadWatch{"WATCH_POLL_MAX_MS", "-1"},
                      BadWatch{"WATCH_POLL_MAX_MS", "5"},
                      BadWatch{"WATCH_MAX_DURATION_MS", "10"},
                      BadWatch{"WATCH_MAX_DURATION_MS", "1e9"},
                      BadWatch{"WATCH_MAX_STREAMS", "0"},
                      BadWatch{"WATCH_MAX_STREAMS", "99999999"},
                      BadWatch{"WATCH_HEARTBEAT_MIN_MS", "1"}));

}  // namespace
}  // namespace maesn::gateway
