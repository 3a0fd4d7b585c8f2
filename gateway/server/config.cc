#include "gateway/server/config.h"

#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gateway/maesn/curl_transport.h"

namespace maesn::gateway {
namespace {

absl::Status Bad(absl::string_view var, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(var, " ", why));
}

// Reads an integer variable into `out` when set; range-checked.
absl::Status ReadInt(const EnvLookup& getenv, const char* var, int64_t min,
                     int64_t max, int64_t* out) {
  const char* v = getenv(var);
  if (v == nullptr || *v == '\0') return absl::OkStatus();
  int64_t n = 0;
  if (!absl::SimpleAtoi(v, &n) || n < min || n > max) {
    return Bad(var, absl::StrCat("must be a whole number from ", min, " to ",
                                 max, " (got \"",
                                 absl::string_view(v).substr(0, 40), "\")"));
  }
  *out = n;
  return absl::OkStatus();
}

absl::Status ValidateListen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return Bad("GATEWAY_LISTEN",
               absl::StrCat("must be host:port, e.g. 0.0.0.0:50051 (got \"",
                            listen.substr(0, 80), "\")"));
  }
  return absl::OkStatus();
}

// WATCH_*: the task-watch hub's schedule and limits.
absl::Status ReadWatchConfig(const EnvLookup& getenv, GatewayConfig& c) {
  int64_t poll_min = absl::ToInt64Milliseconds(c.watch_poll_min);
  int64_t poll_max = absl::ToInt64Milliseconds(c.watch_poll_max);
  int64_t max_duration = absl::ToInt64Milliseconds(c.watch_max_duration);
  int64_t max_streams = c.watch_max_streams;
  int64_t heartbeat_min = absl::ToInt64Milliseconds(c.watch_heartbeat_min);
  constexpr int64_t kDay = 24 * 3600 * 1000;
  for (auto s : {
           ReadInt(getenv, "WATCH_POLL_MIN_MS", 10, 3600000, &poll_min),
           ReadInt(getenv, "WATCH_POLL_MAX_MS", 10, 3600000, &poll_max),
           ReadInt(getenv, "WATCH_MAX_DURATION_MS", 100, 7 * kDay,
                   &max_duration),
           ReadInt(getenv, "WATCH_MAX_STREAMS", 1, 1000000, &max_streams),
           ReadInt(getenv, "WATCH_HEARTBEAT_MIN_MS", 10, 3600000,
                   &heartbeat_min),
       }) {
    if (!s.ok()) return s;
  }
  if (poll_max < poll_min) {
    return Bad("WATCH_POLL_MAX_MS",
               absl::StrCat("must not be below WATCH_POLL_MIN_MS (", poll_max,
                            " < ", poll_min, ")"));
  }
  c.watch_poll_min = absl::Milliseconds(poll_min);
  c.watch_poll_max = absl::Milliseconds(poll_max);
  c.watch_max_duration = absl::Milliseconds(max_duration);
  c.watch_max_streams = static_cast<int>(max_streams);
  c.watch_heartbeat_min = absl::Milliseconds(heartbeat_min);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<GatewayConfig> ConfigFromEnvironment(const EnvLookup& getenv) {
  GatewayConfig c;
  auto str = [&](const char* var, std::string* out) {
    const char* v = getenv(var);
    if (v != nullptr && *v != '\0') *out = v;
  };
  str("GATEWAY_LISTEN", &c.listen);
  str("GATEWAY_PORT_FILE", &c.port_file);
  str("MAESN_BASE_URL", &c.maesn_base_url);
  str("MAESN_API_KEY", &c.maesn_api_key);
  str("MAESN_CA_FILE", &c.maesn_ca_file);
  // Lower case first, as libcurl and most tools read them.
  const char* proxy_var = "https_proxy";
  str(proxy_var, &c.egress_proxy);
  if (c.egress_proxy.empty()) {
    proxy_var = "HTTPS_PROXY";
    str(proxy_var, &c.egress_proxy);
  }
  str("no_proxy", &c.no_proxy);
  if (c.no_proxy.empty()) str("NO_PROXY", &c.no_proxy);

  if (auto s = ValidateListen(c.listen); !s.ok()) return s;
  if (auto ep = ParseBaseUrl(c.maesn_base_url); !ep.ok()) {
    return Bad("MAESN_BASE_URL", ep.status().message());
  }
  if (!c.egress_proxy.empty()) {
    // The message never repeats the URL: it may hold a password.
    if (auto s = ValidateProxyUrl(c.egress_proxy); !s.ok()) {
      return Bad(proxy_var, s.message());
    }
  }
  if (!c.maesn_ca_file.empty() && !std::ifstream(c.maesn_ca_file).good()) {
    return Bad(
        "MAESN_CA_FILE",
        absl::StrCat("names a file that cannot be read: ", c.maesn_ca_file));
  }
  for (char ch : c.maesn_api_key) {
    if (ch < 0x21 || ch > 0x7E) {
      // Never echo the key itself.
      return Bad("MAESN_API_KEY", "must be visible ASCII without spaces");
    }
  }

  // The blocking worker pool these sized is gone; a deployment that still
  // sets them is told what replaces them rather than silently ignored.
  for (const char* old : {"UPSTREAM_WORKERS", "UPSTREAM_QUEUE"}) {
    const char* v = getenv(old);
    if (v != nullptr && *v != '\0') {
      return Bad(old,
                 "is no longer used: requests to Maesn no longer wait for a "
                 "worker thread; UPSTREAM_MAX_IN_FLIGHT bounds them");
    }
  }

  int64_t connect_ms = absl::ToInt64Milliseconds(c.connect_timeout);
  int64_t read_ms = absl::ToInt64Milliseconds(c.read_timeout);
  int64_t max_resp = static_cast<int64_t>(c.max_response_bytes);
  int64_t attempts = c.retry_max_attempts;
  int64_t max_in_flight = c.upstream_max_in_flight;
  int64_t loops = c.upstream_event_loops;
  int64_t connections = c.upstream_max_connections;
  int64_t max_msg = c.max_message_bytes;
  for (auto s : {
           ReadInt(getenv, "MAESN_CONNECT_TIMEOUT_MS", 1, 600000, &connect_ms),
           ReadInt(getenv, "MAESN_READ_TIMEOUT_MS", 1, 3600000, &read_ms),
           ReadInt(getenv, "MAESN_MAX_RESPONSE_BYTES", 1024, int64_t{1} << 31,
                   &max_resp),
           ReadInt(getenv, "MAESN_RETRY_MAX_ATTEMPTS", 1, 10, &attempts),
           ReadInt(getenv, "UPSTREAM_MAX_IN_FLIGHT", 1, 1 << 20,
                   &max_in_flight),
           ReadInt(getenv, "UPSTREAM_EVENT_LOOPS", 1, 64, &loops),
           ReadInt(getenv, "UPSTREAM_MAX_CONNECTIONS", 0, 1 << 16,
                   &connections),
           ReadInt(getenv, "GATEWAY_MAX_MESSAGE_BYTES", 1024, 64 << 20,
                   &max_msg),
       }) {
    if (!s.ok()) return s;
  }
  c.connect_timeout = absl::Milliseconds(connect_ms);
  c.read_timeout = absl::Milliseconds(read_ms);
  c.max_response_bytes = static_cast<std::size_t>(max_resp);
  c.retry_max_attempts = static_cast<int>(attempts);
  c.upstream_max_in_flight = static_cast<int>(max_in_flight);
  c.upstream_event_loops = static_cast<int>(loops);
  c.upstream_max_connections = static_cast<int>(connections);
  c.max_message_bytes = static_cast<int>(max_msg);
  if (auto s = ReadServingConfig(getenv, c); !s.ok()) return s;
  if (auto s = ReadWatchConfig(getenv, c); !s.ok()) return s;
  return c;
}

}  // namespace maesn::gateway
