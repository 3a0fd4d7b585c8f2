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
  // Egress proxy to reach Maesn through (a CONNECT tunnel; TLS stays
  // verified end to end): https_proxy, else HTTPS_PROXY. May hold a
  // password: never logged. Empty = direct.
  std::string egress_proxy;
  // Hosts reached directly despite the proxy: no_proxy, else NO_PROXY.
  std::string no_proxy;
  absl::Duration connect_timeout =
      absl::Seconds(5);                             // MAESN_CONNECT_TIMEOUT_MS
  absl::Duration read_timeout = absl::Seconds(30);  // MAESN_READ_TIMEOUT_MS
  std::size_t max_response_bytes = 32u << 20;       // MAESN_MAX_RESPONSE_BYTES
  int retry_max_attempts = 4;                       // MAESN_RETRY_MAX_ATTEMPTS
  // Maesn requests in flight (unary calls and stream pages) beyond which
  // calls get RESOURCE_EXHAUSTED with RetryInfo at once. An in-flight
  // request costs memory, not a thread.
  int upstream_max_in_flight = 4096;  // UPSTREAM_MAX_IN_FLIGHT
  // Event-loop threads of the upstream client, each with its own
  // connections to Maesn. One carries thousands of requests in flight
  // (mapping of large answers runs elsewhere); more only when its core is
  // saturated.
  int upstream_event_loops = 1;  // UPSTREAM_EVENT_LOOPS
  // Connections to Maesn per event loop (0 = unlimited); beyond it
  // requests queue for a connection. Matters for HTTP/1.1 only.
  int upstream_max_connections = 0;  // UPSTREAM_MAX_CONNECTIONS
  int max_message_bytes = 4 << 20;   // GATEWAY_MAX_MESSAGE_BYTES

  // Running in Kubernetes (read by ReadServingConfig, config_serving.cc).
  // Plaintext listener with only grpc.health.v1 ("" = none): for kubelet
  // probes when the main port requires TLS or client certificates.
  std::string health_listen;                    // GATEWAY_HEALTH_LISTEN
  std::string metrics_listen = "0.0.0.0:9090";  // METRICS_LISTEN ("off")
  std::string log_level = "info";               // LOG_LEVEL
  // SIGTERM: health NOT_SERVING at once, keep serving for drain_delay, then
  // stop accepting and give calls in flight shutdown_grace to finish.
  absl::Duration drain_delay = absl::Seconds(5);  // GATEWAY_DRAIN_DELAY_MS
  // Free heap memory goes back to the system this often (0 = never; see
  // heap_trimmer.h).
  absl::Duration heap_trim_interval =
      absl::Seconds(10);  // GATEWAY_HEAP_TRIM_INTERVAL_MS
  absl::Duration shutdown_grace =
      absl::Seconds(20);  // GATEWAY_SHUTDOWN_GRACE_MS
  absl::Duration keepalive_time =
      absl::Seconds(60);  // GATEWAY_KEEPALIVE_TIME_MS
  absl::Duration keepalive_timeout =
      absl::Seconds(20);  // GATEWAY_KEEPALIVE_TIMEOUT_MS
  absl::Duration min_client_ping_interval =
      absl::Seconds(10);  // GATEWAY_MIN_CLIENT_PING_INTERVAL_MS
  // 0 = unlimited.
  absl::Duration max_connection_age =
      absl::Minutes(5);  // GATEWAY_MAX_CONNECTION_AGE_MS
  absl::Duration max_connection_age_grace =
      absl::Seconds(20);  // GATEWAY_MAX_CONNECTION_AGE_GRACE_MS
  // TLS on the gRPC port when cert and key are set; client certificates
  // signed by client_ca are then required (mTLS) when it is set too.
  std::string tls_cert_file;       // GATEWAY_TLS_CERT_FILE
  std::string tls_key_file;        // GATEWAY_TLS_KEY_FILE
  std::string tls_client_ca_file;  // GATEWAY_TLS_CLIENT_CA_FILE

  // Task watching (WatchTask / WaitTask); see gateway/watch/watch_hub.h.
  absl::Duration watch_poll_min = absl::Seconds(1);    // WATCH_POLL_MIN_MS
  absl::Duration watch_poll_max = absl::Seconds(15);   // WATCH_POLL_MAX_MS
  absl::Duration watch_max_duration = absl::Hours(1);  // WATCH_MAX_DURATION_MS
  int watch_max_streams = 10000;                       // WATCH_MAX_STREAMS
  // WATCH_HEARTBEAT_MIN_MS: smaller heartbeat intervals are raised to it.
  absl::Duration watch_heartbeat_min = absl::Seconds(1);
};

using EnvLookup = std::function<const char*(const char*)>;

// Reads the configuration through `getenv` (std::getenv in production).
absl::StatusOr<GatewayConfig> ConfigFromEnvironment(const EnvLookup& getenv);

// Reads and validates the Kubernetes-related part of `config` (listeners,
// drain, keepalive and connection age, TLS, log level).
absl::Status ReadServingConfig(const EnvLookup& getenv, GatewayConfig& config);

// Validates a "host:port" listen address; `var` names it in the error.
absl::Status ValidateListenAddress(const char* var, const std::string& listen);

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVER_CONFIG_H_
