#ifndef MAESN_GATEWAY_SERVER_CONFIG_H_
#define MAESN_GATEWAY_SERVER_CONFIG_H_

#include <cstddef>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace maesn::gateway {

// The gateway's configuration, read from environment variables (README.md
// has the table). Every value is validated at start-up; a bad one stops the
// process with a message naming the variable.
struct GatewayConfig {
  std::string listen = "0.0.0.0:50051";                  // GATEWAY_LISTEN
  std::string port_file;                                 // GATEWAY_PORT_FILE
  std::string maesn_base_url = "https://api.maesn.dev";  // MAESN_BASE_URL
  std::string maesn_api_key;  // MAESN_API_KEY (secret)
  std::string maesn_ca_file;  // MAESN_CA_FILE
  absl::Duration connect_timeout =
      absl::Seconds(5);                             // MAESN_CONNECT_TIMEOUT_MS
  absl::Duration read_timeout = absl::Seconds(30);  // MAESN_READ_TIMEOUT_MS
  std::size_t max_response_bytes = 32u << 20;       // MAESN_MAX_RESPONSE_BYTES
  int retry_max_attempts = 4;                       // MAESN_RETRY_MAX_ATTEMPTS
  int upstream_workers = 32;                        // UPSTREAM_WORKERS
  std::size_t upstream_queue = 4096;                // UPSTREAM_QUEUE
  int max_message_bytes = 4 << 20;                  // GATEWAY_MAX_MESSAGE_BYTES
};

using EnvLookup = std::function<const char*(const char*)>;

// Reads the configuration through `getenv` (std::getenv in production).
absl::StatusOr<GatewayConfig> ConfigFromEnvironment(const EnvLookup& getenv);

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVER_CONFIG_H_
