#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "gateway/server/config.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/status_matchers.h"

namespace maesn::gateway {
namespace {

using ::maesn::testing::IsOk;
using ::maesn::testing::StatusIs;
using ::testing::HasSubstr;

absl::StatusOr<GatewayConfig> Load(std::map<std::string, std::string> env) {
  return ConfigFromEnvironment([env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(ServingConfigTest, DefaultsFitTheDrain) {
  auto c = Load({});
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->metrics_listen, "0.0.0.0:9090");
  EXPECT_TRUE(c->health_listen.empty());
  EXPECT_EQ(c->log_level, "info");
  EXPECT_EQ(c->drain_delay, absl::Seconds(5));
  EXPECT_EQ(c->shutdown_grace, absl::Seconds(20));
  EXPECT_EQ(c->max_connection_age, absl::Minutes(5));
  EXPECT_EQ(c->max_connection_age_grace, absl::Seconds(20));
  // The deploy manifests' terminationGracePeriodSeconds (30) covers drain
  // delay + grace with room to spare.
  EXPECT_LT(c->drain_delay + c->shutdown_grace, absl::Seconds(30));
  EXPECT_TRUE(c->tls_cert_file.empty());
}

TEST(ServingConfigTest, ReadsValues) {
  const std::string dir = testing::MakeTempDir();
  const std::string pem = dir + "/x.pem";
  std::ofstream(pem) << "x";
  auto c = Load({{"GATEWAY_HEALTH_LISTEN", "0.0.0.0:50052"},
                 {"METRICS_LISTEN", "off"},
                 {"LOG_LEVEL", "warn"},
                 {"GATEWAY_DRAIN_DELAY_MS", "0"},
                 {"GATEWAY_HEAP_TRIM_INTERVAL_MS", "2500"},
                 {"GATEWAY_SHUTDOWN_GRACE_MS", "1500"},
                 {"GATEWAY_KEEPALIVE_TIME_MS", "30000"},
                 {"GATEWAY_MAX_CONNECTION_AGE_MS", "0"},
                 {"GATEWAY_TLS_CERT_FILE", pem},
                 {"GATEWAY_TLS_KEY_FILE", pem},
                 {"GATEWAY_TLS_CLIENT_CA_FILE", pem}});
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->health_listen, "0.0.0.0:50052");
  EXPECT_EQ(c->metrics_listen, "off");
  EXPECT_EQ(c->log_level, "warn");
  EXPECT_EQ(c->drain_delay, absl::ZeroDuration());
  EXPECT_EQ(c->heap_trim_interval, absl::Milliseconds(2500));
  EXPECT_EQ(c->shutdown_grace, absl::Milliseconds(1500));
  EXPECT_EQ(c->keepalive_time, absl::Seconds(30));
  EXPECT_EQ(c->max_connection_age, absl::ZeroDuration());
  EXPECT_EQ(c->tls_client_ca_file, pem);
}

struct Bad {
  std::map<std::string, std::string> env;
  const char* names;
};

class BadServingConfigTest : public ::testing::TestWithParam<Bad> {};

TEST_P(BadServingConfigTest, NamesTheVariable) {
  EXPECT_THAT(Load(GetParam().env), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr(GetParam().names)));
}

INSTANTIATE_TEST_SUITE_P(
    Values, BadServingConfigTest,
    ::testing::Values(
        Bad{{{"GATEWAY_HEALTH_LISTEN", "nowhere"}}, "GATEWAY_HEALTH_LISTEN"},
        Bad{{{"METRICS_LISTEN", "9090"}}, "METRICS_LISTEN"},
        Bad{{{"LOG_LEVEL", "loud"}}, "LOG_LEVEL"},
        Bad{{{"GATEWAY_DRAIN_DELAY_MS", "-1"}}, "GATEWAY_DRAIN_DELAY_MS"},
        Bad{{{"GATEWAY_HEAP_TRIM_INTERVAL_MS", "often"}},
            "GATEWAY_HEAP_TRIM_INTERVAL_MS"},
        Bad{{{"GATEWAY_SHUTDOWN_GRACE_MS", "soon"}},
            "GATEWAY_SHUTDOWN_GRACE_MS"},
        Bad{{{"GATEWAY_MAX_CONNECTION_AGE_MS", "10"}},
            "GATEWAY_MAX_CONNECTION_AGE_MS"},
        Bad{{{"GATEWAY_TLS_CERT_FILE", "/etc/hostname"}},
            "GATEWAY_TLS_KEY_FILE"},
        Bad{{{"GATEWAY_TLS_CLIENT_CA_FILE", "/etc/hostname"}},
            "GATEWAY_TLS_CLIENT_CA_FILE"},
        Bad{{{"GATEWAY_TLS_CERT_FILE", "/does/not/exist.pem"},
             {"GATEWAY_TLS_KEY_FILE", "/does/not/exist.pem"}},
            "GATEWAY_TLS_CERT_FILE"}));

}  // namespace
}  // namespace maesn::gateway
