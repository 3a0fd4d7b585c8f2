#ifndef MAESN_GATEWAY_MAESN_CURL_TRANSPORT_H_
#define MAESN_GATEWAY_MAESN_CURL_TRANSPORT_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/maesn/http_transport.h"

namespace maesn::gateway {

struct CurlTransportOptions {
  // "https://host[:port]". Only HTTPS is accepted.
  std::string base_url = "https://api.maesn.dev";
  // PEM bundle to trust; empty = the system trust store.
  std::string ca_file;
  // Bounds the connection phase (TCP, proxy tunnel, TLS handshake).
  absl::Duration connect_timeout = absl::Seconds(5);
  // How long Maesn may take to answer once connected. It bounds the whole
  // attempt, not only each read: a server that trickles bytes is cut off
  // after connect_timeout + read_timeout (DEADLINE_EXCEEDED, reason
  // UPSTREAM_TIMEOUT), or at the caller's deadline if that comes first.
  absl::Duration read_timeout = absl::Seconds(30);
  // Responses larger than this (after decompression) are refused while they
  // arrive, never buffered whole.
  std::size_t max_response_bytes = 32 << 20;
  std::string user_agent = "maesn-gateway/0.1";
  // Egress proxy, "http://[user:password@]host:port" (or https://); Maesn
  // is then reached through a CONNECT tunnel, with TLS still verified end to
  // end. Empty = direct. The environment is not consulted here (the
  // configuration reads HTTPS_PROXY once at start-up).
  std::string proxy;
  // Hosts reached directly despite `proxy`, in NO_PROXY syntax: a
  // comma-separated list of host names, domain suffixes, IP addresses or
  // CIDR ranges, or "*".
  std::string no_proxy;
  // Event-loop threads, each with its own connection pool; clamped to
  // [1, the number of cores]. Requests are spread round-robin.
  int event_loops = 1;
  // Offer HTTP/2 through ALPN (parallel requests then share one
  // connection); HTTP/1.1 keep-alive connections otherwise.
  bool http2 = true;
  // Connections to Maesn per event loop; 0 = as many as requests need
  // (HTTP/1.1 carries one request at a time per connection; HTTP/2 needs
  // one connection).
  int max_connections = 0;
  // Connections kept per event loop for reuse (libcurl closes the oldest
  // idle one beyond it). Under HTTP/1.1 it should be at least the requests
  // in flight, or connections churn.
  int max_idle_connections = 64;
  // How often a blocking Send() checks whether its caller went away.
  absl::Duration cancel_poll_interval = absl::Milliseconds(20);
};

// Parsed form of a base URL.
struct UpstreamEndpoint {
  std::string host;
  int port = 443;
};
// Accepts "https://host", "https://host:port", with an optional trailing
// "/". Anything else (other schemes, paths, user info) is INVALID_ARGUMENT.
absl::StatusOr<UpstreamEndpoint> ParseBaseUrl(const std::string& url);

// Accepts "http://[user:password@]host:port" or "https://..." (an egress
// proxy URL, as in HTTPS_PROXY); INVALID_ARGUMENT otherwise. The message
// never repeats the URL, which may hold a password.
absl::Status ValidateProxyUrl(const std::string& url);

enum class HttpProtocol { kHttp1, kHttp2 };

// The transport over libcurl's multi interface; the only code that includes
// curl.h.
//
// Promises (besides the contracts in http_transport.h):
//  - Never blocks a caller: a few event-loop threads each drive their own
//    curl multi handle (curl_multi_socket_action over epoll), connection
//    pool and TLS session cache. Start() lets libcurl write the request on
//    the caller's thread when that loop is idle (it never waits for the
//    loop's lock: when the loop is busy the request is queued to it), so
//    the loop is woken by the answer, not by the request; callbacks always
//    run on the loop. RunAfter() queues a timer. Send() (the blocking
//    interface) is SendAndWait() over Start().
//  - HTTP/2 when Maesn offers it through ALPN, with parallel requests
//    multiplexed on one connection; HTTP/1.1 keep-alive connections
//    otherwise.
//  - Certificate and host-name verification always on (TLS 1.2 or newer);
//    only https:// is ever spoken to Maesn; redirects are never followed;
//    response bodies are decompressed and capped while they arrive.
//  - A request body is sent at most once: libcurl may transparently resend
//    a request whose reused connection turned out dead, so a body that has
//    (partly) left is never rewound (the attempt fails UNAVAILABLE with
//    request_sent "true"), and a body-less request other than GET always
//    goes over a fresh connection, which is closed after it (not pooled).
//    Only the connection layer retries, and only reads.
//  - Request headers never reach the egress proxy (they travel inside the
//    TLS tunnel); nothing is logged, so neither credentials nor a proxy
//    password can appear in a log.
class CurlTransport final : public HttpTransport,
                            public AsyncHttpTransport,
                            public AsyncTimers {
 public:
  static absl::StatusOr<std::unique_ptr<CurlTransport>> Create(
      CurlTransportOptions options);
  // Cancels what still runs (callbacks run with CANCELLED) and joins the
  // event loops. Must not run on an event-loop thread (i.e. in a callback).
  ~CurlTransport() override;

  // Ends every request and timer in flight (their callbacks run, with
  // CANCELLED, before it returns) and refuses new ones at once. Idempotent.
  void Shutdown() override;

  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request,
                                    CallContext& context) override;
  std::shared_ptr<AsyncOperation> Start(HttpRequest request,
                                        absl::Time deadline,
                                        Done done) override;
  std::shared_ptr<AsyncOperation> RunAfter(absl::Duration delay,
                                           Callback callback) override;

  // Figures for metrics and tests; thread-safe, lock-free, momentary.
  //
  // Transfers started and not yet completed.
  std::int64_t in_flight() const;
  // Open upstream connections (to Maesn, or tunnelled through the proxy)
  // that have carried a response, by the protocol they speak. A connection
  // still being set up is not counted yet.
  std::int64_t open_connections(HttpProtocol protocol) const;
  // Connections that carried a response, since creation.
  std::int64_t connections_opened() const;
  // The event-loop threads actually running.
  int event_loops() const { return static_cast<int>(loops_.size()); }

 private:
  class Loop;
  class TransferOp;
  class TimerOp;
  struct Counters {
    std::atomic<std::int64_t> in_flight{0};
    std::atomic<std::int64_t> open_h1{0};
    std::atomic<std::int64_t> open_h2{0};
    std::atomic<std::int64_t> opened{0};
  };

  explicit CurlTransport(CurlTransportOptions options);
  Loop& NextLoop();

  const CurlTransportOptions options_;
  Counters counters_;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::atomic<std::uint64_t> next_loop_{0};
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_MAESN_CURL_TRANSPORT_H_
