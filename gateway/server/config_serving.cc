// The Kubernetes-related part of GatewayConfig: listeners for health and
// metrics, drain timings, HTTP/2 keepalive and connection age, TLS.

#include <cstdint>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gateway/observability/json_log.h"
#include "gateway/server/config.h"

namespace maesn::gateway {
namespace {

absl::Status Bad(absl::string_view var, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(var, " ", why));
}

// Reads a millisecond variable into `out` when set; range-checked.
absl::Status ReadMillis(const EnvLookup& getenv, const char* var, int64_t min,
                        int64_t max, absl::Duration* out) {
  const char* v = getenv(var);
  if (v == nullptr || *v == '\0') return absl::OkStatus();
  int64_t n = 0;
  if (!absl::SimpleAtoi(v, &n) || n < min || n > max) {
    return Bad(var, absl::StrCat("must be a whole number of milliseconds from ",
                                 min, " to ", max, " (got \"",
                                 absl::string_view(v).substr(0, 40), "\")"));
  }
  *out = absl::Milliseconds(n);
  return absl::OkStatus();
}

absl::Status Readable(const char* var, const std::string& file) {
  if (file.empty() || std::ifstream(file).good()) return absl::OkStatus();
  return Bad(var, absl::StrCat("names a file that cannot be read: ",
                               file.substr(0, 200)));
}

}  // namespace

absl::Status ValidateListenAddress(const char* var, const std::string& listen) {
  const auto colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return Bad(var, absl::StrCat("must be host:port, e.g. 0.0.0.0:9090 (got \"",
                                 listen.substr(0, 80), "\")"));
  }
  return absl::OkStatus();
}

absl::Status ReadServingConfig(const EnvLookup& getenv, GatewayConfig& c) {
  auto str = [&](const char* var, std::string* out) {
    const char* v = getenv(var);
    if (v != nullptr && *v != '\0') *out = v;
  };
  str("GATEWAY_HEALTH_LISTEN", &c.health_listen);
  str("METRICS_LISTEN", &c.metrics_listen);
  str("LOG_LEVEL", &c.log_level);
  str("GATEWAY_TLS_CERT_FILE", &c.tls_cert_file);
  str("GATEWAY_TLS_KEY_FILE", &c.tls_key_file);
  str("GATEWAY_TLS_CLIENT_CA_FILE", &c.tls_client_ca_file);

  if (!c.health_listen.empty()) {
    if (auto s =
            ValidateListenAddress("GATEWAY_HEALTH_LISTEN", c.health_listen);
        !s.ok()) {
      return s;
    }
  }
  if (c.metrics_listen != "off") {
    if (auto s = ValidateListenAddress("METRICS_LISTEN", c.metrics_listen);
        !s.ok()) {
      return Bad("METRICS_LISTEN",
                 absl::StrCat("must be host:port or \"off\" (got \"",
                              c.metrics_listen.substr(0, 80), "\")"));
    }
  }
  if (!ParseLogLevel(c.log_level).has_value()) {
    return Bad("LOG_LEVEL",
               absl::StrCat("must be debug, info, warn or error (got \"",
                            c.log_level.substr(0, 40), "\")"));
  }

  constexpr int64_t kHour = 3600000;
  for (auto s : {
           ReadMillis(getenv, "GATEWAY_DRAIN_DELAY_MS", 0, 600000,
                      &c.drain_delay),
           ReadMillis(getenv, "GATEWAY_HEAP_TRIM_INTERVAL_MS", 0, kHour,
                      &c.heap_trim_interval),
           ReadMillis(getenv, "GATEWAY_SHUTDOWN_GRACE_MS", 100, kHour,
                      &c.shutdown_grace),
           ReadMillis(getenv, "GATEWAY_KEEPALIVE_TIME_MS", 1000, 24 * kHour,
                      &c.keepalive_time),
           ReadMillis(getenv, "GATEWAY_KEEPALIVE_TIMEOUT_MS", 100, kHour,
                      &c.keepalive_timeout),
           ReadMillis(getenv, "GATEWAY_MIN_CLIENT_PING_INTERVAL_MS", 100,
                      24 * kHour, &c.min_client_ping_interval),
           ReadMillis(getenv, "GATEWAY_MAX_CONNECTION_AGE_MS", 0,
                      30 * 24 * kHour, &c.max_connection_age),
           ReadMillis(getenv, "GATEWAY_MAX_CONNECTION_AGE_GRACE_MS", 0,
                      24 * kHour, &c.max_connection_age_grace),
       }) {
    if (!s.ok()) return s;
  }
  if (c.max_connection_age != absl::ZeroDuration() &&
      c.max_connection_age < absl::Seconds(1)) {
    return Bad("GATEWAY_MAX_CONNECTION_AGE_MS",
               "must be 0 (unlimited) or at least 1000");
  }

  if (c.tls_cert_file.empty() != c.tls_key_file.empty()) {
    return Bad(c.tls_cert_file.empty() ? "GATEWAY_TLS_CERT_FILE"
                                       : "GATEWAY_TLS_KEY_FILE",
               "must be set together with GATEWAY_TLS_CERT_FILE and "
               "GATEWAY_TLS_KEY_FILE (TLS needs both)");
  }
  if (!c.tls_client_ca_file.empty() && c.tls_cert_file.empty()) {
    return Bad("GATEWAY_TLS_CLIENT_CA_FILE",
               "needs GATEWAY_TLS_CERT_FILE and GATEWAY_TLS_KEY_FILE (client "
               "certificates are only checked over TLS)");
  }
  for (auto s :
       {Readable("GATEWAY_TLS_CERT_FILE", c.tls_cert_file),
        Readable("GATEWAY_TLS_KEY_FILE", c.tls_key_file),
        Readable("GATEWAY_TLS_CLIENT_CA_FILE", c.tls_client_ca_file)}) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace maesn::gateway
