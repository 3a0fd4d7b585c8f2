#ifndef MAESN_GATEWAY_MAESN_HTTPLIB_TRANSPORT_H_
#define MAESN_GATEWAY_MAESN_HTTPLIB_TRANSPORT_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/maesn/http_transport.h"

namespace httplib {
class SSLClient;
}  // namespace httplib

namespace maesn::gateway {

struct HttplibTransportOptions {
  // "https://host[:port]". Only HTTPS is accepted.
  std::string base_url = "https://api.maesn.dev";
  // PEM bundle to trust; empty = the system trust store.
  std::string ca_file;
  absl::Duration connect_timeout = absl::Seconds(5);
  // How long Maesn may take to answer once connected. It bounds the whole
  // attempt, not only each read: a server that trickles bytes is cut off
  // after connect_timeout + read_timeout (DEADLINE_EXCEEDED, reason
  // UPSTREAM_TIMEOUT), or at the caller's deadline if that comes first.
  absl::Duration read_timeout = absl::Seconds(30);
  absl::Duration write_timeout = absl::Seconds(30);
  // How often in-flight requests are checked for a caller that went away.
  absl::Duration cancel_poll_interval = absl::Milliseconds(20);
  // Responses larger than this are refused (never buffered whole).
  std::size_t max_response_bytes = 32 << 20;
  std::string user_agent = "maesn-gateway/0.1";
};

// Parsed form of a base URL.
struct UpstreamEndpoint {
  std::string host;
  int port = 443;
};
// Accepts "https://host", "https://host:port", with an optional trailing
// "/". Anything else (other schemes, paths, user info) is INVALID_ARGUMENT.
absl::StatusOr<UpstreamEndpoint> ParseBaseUrl(const std::string& url);

// HttpTransport over cpp-httplib. The only code that includes httplib.h.
//
// Keeps a pool of keep-alive TLS clients: a request takes an idle client
// (or makes one), so concurrent calls never queue behind each other's
// request mutex and the pool never grows beyond the peak concurrency (the
// executor's worker count). A client whose request failed is discarded, so
// no connection in an unknown state is reused. Certificate and host-name
// verification are always on; redirects are never followed; plain HTTP is
// never spoken. Every attempt ends by its deadline: one watchdog thread per
// transport shuts down the socket of a request whose caller's deadline or
// attempt budget passed, or whose caller cancelled, however slowly the
// server sends headers or body.
class HttplibTransport final : public HttpTransport {
 public:
  static absl::StatusOr<std::unique_ptr<HttplibTransport>> Create(
      HttplibTransportOptions options);
  ~HttplibTransport() override;

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request,
                                    CallContext& context) override;

  // Clients created so far (each opened at least one TLS connection).
  std::int64_t clients_created() const { return clients_created_.load(); }
  // Requests the watchdog cut off so far.
  std::int64_t requests_cut_off() const { return cut_off_.load(); }

 private:
  class Watchdog;
  struct Pooled;  // one keep-alive client and a handle on its socket

  HttplibTransport(HttplibTransportOptions options, UpstreamEndpoint endpoint);
  std::unique_ptr<Pooled> Acquire();
  void Release(std::unique_ptr<Pooled> client);

  const HttplibTransportOptions options_;
  const UpstreamEndpoint endpoint_;
  std::atomic<std::int64_t> clients_created_{0};
  std::atomic<std::int64_t> cut_off_{0};
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Pooled>> idle_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<Watchdog> watchdog_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_MAESN_HTTPLIB_TRANSPORT_H_
