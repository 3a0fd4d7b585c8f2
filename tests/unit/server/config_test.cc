#include "gateway/server/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/testing/status_matchers.h"

namespace maesn::gateway {
namespace {

using ::maesn::testing::IsOk;
using ::maesn::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

absl::StatusOr<GatewayConfig> Load(std::map<std::string, std::string> env) {
  return ConfigFromEnvironment([env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(ConfigTest, Defaults) {
  auto c = Load({});
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->listen, "0.0.0.0:50051");
  EXPECT_EQ(c->maesn_base_url, "https://api.maesn.dev");
  EXPECT_TRUE(c->maesn_api_key.empty());
  EXPECT_TRUE(c->maesn_ca_file.empty());
  EXPECT_EQ(c->upstream_max_in_flight, 4096);
  EXPECT_EQ(c->upstream_event_loops, 1);
}

TEST(ConfigTest, ReadsValues) {
  auto c = Load({{"GATEWAY_LISTEN", "127.0.0.1:0"},
                 {"MAESN_BASE_URL", "https://localhost:8443"},
                 {"MAESN_API_KEY", "k"},
                 {"MAESN_READ_TIMEOUT_MS", "1500"},
                 {"UPSTREAM_MAX_IN_FLIGHT", "100"},
                 {"UPSTREAM_EVENT_LOOPS", "2"}});
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->listen, "127.0.0.1:0");
  EXPECT_EQ(c->read_timeout, absl::Milliseconds(1500));
  EXPECT_EQ(c->upstream_max_in_flight, 100);
  EXPECT_EQ(c->upstream_event_loops, 2);
}

struct Bad {
  const char* var;
  const char* value;
};

class BadConfigTest : public ::testing::TestWithParam<Bad> {};

TEST_P(BadConfigTest, NamesTheVariable) {
  EXPECT_THAT(
      Load({{GetParam().var, GetParam().value}}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(GetParam().var)));
}

INSTANTIATE_TEST_SUITE_P(
    Values, BadConfigTest,
    ::testing::Values(
        Bad{"GATEWAY_LISTEN", "nonsense"}, Bad{"GATEWAY_LISTEN", "host:99999"},
        Bad{"MAESN_BASE_URL", "http://api.maesn.dev"},
        Bad{"MAESN_BASE_URL", "https://api.maesn.dev/v1"},
        Bad{"MAESN_BASE_URL", "https://:0"},
        Bad{"MAESN_CA_FILE", "/does/not/exist.pem"},
        Bad{"MAESN_API_KEY", "has space"}, Bad{"MAESN_READ_TIMEOUT_MS", "-5"},
        Bad{"UPSTREAM_WORKERS", "lots"},
        // Replaced by UPSTREAM_MAX_IN_FLIGHT: named, not
        // silently ignored.
        Bad{"UPSTREAM_WORKERS", "32"}, Bad{"UPSTREAM_QUEUE", "4096"},
        Bad{"UPSTREAM_MAX_IN_FLIGHT", "0"}, Bad{"UPSTREAM_EVENT_LOOPS", "0"}));

TEST(ConfigTest, ApiKeyIsNeverEchoed) {
  auto c = Load({{"MAESN_API_KEY", "secret value"}});
  ASSERT_THAT(c, Not(IsOk()));
  EXPECT_EQ(c.status().message().find("secret"), absl::string_view::npos);
}

}  // namespace
}  // namespace maesn::gateway
