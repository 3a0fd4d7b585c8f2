#include "gateway/server/config.h"

#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gateway/maesn/httplib_transport.h"

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

  if (auto s = ValidateListen(c.listen); !s.ok()) return s;
  if (auto ep = ParseBaseUrl(c.maesn_base_url); !ep.ok()) {
    return Bad("MAESN_BASE_URL", ep.status().message());
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

  int64_t connect_ms = absl::ToInt64Milliseconds(c.connect_timeout);
  int64_t read_ms = absl::ToInt64Milliseconds(c.read_timeout);
  int64_t max_resp = static_cast<int64_t>(c.max_response_bytes);
  int64_t attempts = c.retry_max_attempts;
  int64_t workers = c.upstream_workers;
  int64_t queue = static_cast<int64_t>(c.upstream_queue);
  int64_t max_msg = c.max_message_bytes;
  for (auto s : {
           ReadInt(getenv, "MAESN_CONNECT_TIMEOUT_MS", 1, 600000, &connect_ms),
           ReadInt(getenv, "MAESN_READ_TIMEOUT_MS", 1, 3600000, &read_ms),
           ReadInt(getenv, "MAESN_MAX_RESPONSE_BYTES", 1024, int64_t{1} << 31,
                   &max_resp),
           ReadInt(getenv, "MAESN_RETRY_MAX_ATTEMPTS", 1, 10, &attempts),
           ReadInt(getenv, "UPSTREAM_WORKERS", 1, 1024, &workers),
           ReadInt(getenv, "UPSTREAM_QUEUE", 1, 1 << 20, &queue),
           ReadInt(getenv, "GATEWAY_MAX_MESSAGE_BYTES", 1024, 64 << 20,
                   &max_msg),
       }) {
    if (!s.ok()) return s;
  }
  c.connect_timeout = absl::Milliseconds(connect_ms);
  c.read_timeout = absl::Milliseconds(read_ms);
  c.max_response_bytes = static_cast<std::size_t>(max_resp);
  c.retry_max_attempts = static_cast<int>(attempts);
  c.upstream_workers = static_cast<int>(workers);
  c.upstream_queue = static_cast<std::size_t>(queue);
  c.max_message_bytes = static_cast<int>(max_msg);
  if (auto s = ReadServingConfig(getenv, c); !s.ok()) return s;
  if (auto s = ReadWatchConfig(getenv, c); !s.ok()) return s;
  return c;
}

}  // namespace maesn::gateway
