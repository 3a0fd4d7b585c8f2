#include "gateway/maesn/httplib_transport.h"

// Debian's libcpp-httplib.so is compiled with OpenSSL support; a translation
// unit that includes httplib.h without the same macro sees different class
// layouts and crashes at run time. pkg-config (cpp-httplib.pc) defines it.
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#error \
    "Compile with `pkg-config --cflags cpp-httplib` (CPPHTTPLIB_OPENSSL_SUPPORT)"
#endif
#include <fcntl.h>
#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gateway/common/errors.h"

namespace maesn::gateway {
namespace {

// Splits an absl::Duration into httplib's (seconds, microseconds) pair, never
// below one millisecond (zero would mean "no timeout" to select()).
std::pair<time_t, time_t> ToSecUsec(absl::Duration d) {
  const int64_t us = std::max<int64_t>(absl::ToInt64Microseconds(d), 1000);
  return {static_cast<time_t>(us / 1000000), static_cast<time_t>(us % 1000000)};
}

absl::Status Sent(absl::Status s, bool sent) {
  return WithErrorMetadata(std::move(s), "request_sent",
                           sent ? "true" : "false");
}

// A duplicate of a client's current socket descriptor. Shutting it down
// ends whatever the client is doing on that socket (connect, TLS, reads,
// writes) at once, from any thread, without httplib's locks; being our own
// descriptor, its number is never reused for another connection while we
// hold it.
class SocketHandle {
 public:
  ~SocketHandle() { Set(-1); }
  // Called by httplib (on the sending thread) for every new socket.
  void Set(int fd) {
    absl::MutexLock lock(&mu_);
    if (dup_ >= 0) ::close(dup_);
    dup_ = fd >= 0 ? ::fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
  }
  void Shutdown() {
    absl::MutexLock lock(&mu_);
    if (dup_ >= 0) ::shutdown(dup_, SHUT_RDWR);
  }

 private:
  absl::Mutex mu_;
  int dup_ ABSL_GUARDED_BY(mu_) = -1;
};

}  // namespace

// Cuts off requests whose time is up or whose caller went away. One thread
// per transport, sleeping until the earliest deadline (or the next
// cancellation poll while a request whose caller can cancel is in flight).
class HttplibTransport::Watchdog {
 public:
  enum class Verdict { kNone, kCallerDeadline, kBudget, kCancelled };

  Watchdog(absl::Duration poll, std::atomic<std::int64_t>* cut_off)
      : poll_(poll), cut_off_(cut_off), thread_([this] { Run(); }) {}
  ~Watchdog() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    thread_.join();
  }

  // Watches one attempt until Done(id).
  std::uint64_t Watch(std::shared_ptr<SocketHandle> socket,
                      const CallContext* context, absl::Time budget_deadline) {
    absl::MutexLock lock(&mu_);
    const std::uint64_t id = next_id_++;
    // Wakes the watchdog only when this attempt needs it sooner than it
    // means to wake anyway: under load it already polls (cancellable calls)
    // or sleeps until an earlier deadline, and a wake-up per request would
    // cost two context switches per call.
    absl::Time due = std::min(context->deadline, budget_deadline);
    if (context->is_cancelled) due = std::min(due, absl::Now() + poll_);
    if (due < wake_) changed_ = true;
    entries_.emplace(id, Entry{std::move(socket), context, context->deadline,
                               budget_deadline, Verdict::kNone});
    return id;
  }
  // Stops watching; tells whether (and why) the request was cut off.
  Verdict Done(std::uint64_t id) {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(id);
    const Verdict v = it->second.verdict;
    entries_.erase(it);
    return v;
  }

 private:
  struct Entry {
    std::shared_ptr<SocketHandle> socket;
    const CallContext* context;
    absl::Time caller_deadline;
    absl::Time budget_deadline;
    Verdict verdict;
  };

  void Run() {
    absl::MutexLock lock(&mu_);
    while (!stop_) {
      changed_ = false;
      const absl::Time now = absl::Now();
      absl::Time wake = absl::InfiniteFuture();
      for (auto& [id, e] : entries_) {
        if (e.verdict == Verdict::kNone) {
          if (now >= e.caller_deadline) {
            e.verdict = Verdict::kCallerDeadline;
          } else if (now >= e.budget_deadline) {
            e.verdict = Verdict::kBudget;
          } else if (e.context->Cancelled()) {
            e.verdict = Verdict::kCancelled;
          }
          if (e.verdict != Verdict::kNone) cut_off_->fetch_add(1);
        }
        if (e.verdict != Verdict::kNone) {
          // Repeated until Done(): the socket may not have existed yet.
          e.socket->Shutdown();
          wake = std::min(wake, now + poll_);
          continue;
        }
        wake = std::min({wake, e.caller_deadline, e.budget_deadline});
        if (e.context->is_cancelled) wake = std::min(wake, now + poll_);
      }
      wake_ = wake;
      mu_.AwaitWithDeadline(
          absl::Condition(
              +[](Watchdog* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
                return w->stop_ || w->changed_;
              },
              this),
          wake);
    }
  }

  const absl::Duration poll_;
  std::atomic<std::int64_t>* const cut_off_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool changed_ ABSL_GUARDED_BY(mu_) = false;
  // When Run() will look at the entries next unless woken.
  absl::Time wake_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  std::uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<std::uint64_t, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // last: starts after everything above exists
};

absl::StatusOr<UpstreamEndpoint> ParseBaseUrl(const std::string& url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "https://")) {
    return absl::InvalidArgumentError(
        "must start with https:// (plain HTTP is never used for Maesn)");
  }
  absl::ConsumeSuffix(&rest, "/");
  if (rest.empty() || absl::StrContains(rest, "/") ||
      absl::StrContains(rest, "@") || absl::StrContains(rest, "?") ||
      absl::StrContains(rest, "#")) {
    return absl::InvalidArgumentError(
        "must be https://host or https://host:port, without a path");
  }
  UpstreamEndpoint ep;
  const auto colon = rest.rfind(':');
  if (colon == absl::string_view::npos) {
    ep.host = std::string(rest);
    return ep;
  }
  ep.host = std::string(rest.substr(0, colon));
  int port = 0;
  if (ep.host.empty() || !absl::SimpleAtoi(rest.substr(colon + 1), &port) ||
      port <= 0 || port > 65535) {
    return absl::InvalidArgumentError("has an invalid host or port");
  }
  ep.port = port;
  return ep;
}

absl::StatusOr<std::unique_ptr<HttplibTransport>> HttplibTransport::Create(
    HttplibTransportOptions options) {
  auto ep = ParseBaseUrl(options.base_url);
  if (!ep.ok()) return ep.status();
  return std::unique_ptr<HttplibTransport>(
      new HttplibTransport(std::move(options), *std::move(ep)));
}

HttplibTransport::HttplibTransport(HttplibTransportOptions options,
                                   UpstreamEndpoint endpoint)
    : options_(std::move(options)),
      endpoint_(std::move(endpoint)),
      watchdog_(std::make_unique<Watchdog>(options_.cancel_poll_interval,
                                           &cut_off_)) {}

struct HttplibTransport::Pooled {
  std::unique_ptr<httplib::SSLClient> client;
  std::shared_ptr<SocketHandle> socket = std::make_shared<SocketHandle>();
};

HttplibTransport::~HttplibTransport() = default;

std::unique_ptr<HttplibTransport::Pooled> HttplibTransport::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  auto p = std::make_unique<Pooled>();
  p->client =
      std::make_unique<httplib::SSLClient>(endpoint_.host, endpoint_.port);
  httplib::SSLClient& c = *p->client;
  if (!options_.ca_file.empty()) c.set_ca_cert_path(options_.ca_file);
  c.enable_server_certificate_verification(true);
  c.set_keep_alive(true);
  c.set_tcp_nodelay(true);  // no Nagle delay between header and body writes
  c.set_follow_location(false);
  c.set_url_encode(false);  // targets arrive percent-encoded already
  c.set_socket_options([socket = p->socket](socket_t fd) { socket->Set(fd); });
  clients_created_.fetch_add(1);
  return p;
}

void HttplibTransport::Release(std::unique_ptr<Pooled> client) {
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(client));
}

absl::StatusOr<HttpResponse> HttplibTransport::Send(const HttpRequest& request,
                                                    CallContext& context) {
  const absl::Time start = absl::Now();
  if (start >= context.deadline) {
    return Sent(absl::DeadlineExceededError(
                    "deadline expired before the request to Maesn was sent"),
                false);
  }
  if (context.Cancelled()) {
    return Sent(absl::CancelledError("the caller cancelled the call"), false);
  }
  const absl::Duration remaining = context.deadline - start;
  const absl::Time budget_deadline =
      start + options_.connect_timeout + options_.read_timeout;
  auto pooled = Acquire();
  httplib::SSLClient& client = *pooled->client;
  {
    auto [s, us] = ToSecUsec(std::min(options_.connect_timeout, remaining));
    client.set_connection_timeout(s, us);
  }
  {
    auto [s, us] = ToSecUsec(std::min(options_.read_timeout, remaining));
    client.set_read_timeout(s, us);
  }
  {
    auto [s, us] = ToSecUsec(std::min(options_.write_timeout, remaining));
    client.set_write_timeout(s, us);
  }

  httplib::Request req;
  req.method = request.method;
  req.path = request.target;
  for (const auto& [k, v] : request.headers) req.headers.emplace(k, v);
  req.headers.emplace("User-Agent", options_.user_agent);
  req.body = request.body;

  std::string body;
  bool too_large = false;
  req.content_receiver = [&](const char* data, size_t len, uint64_t /*off*/,
                             uint64_t /*total*/) {
    if (body.size() + len > options_.max_response_bytes) {
      too_large = true;
      return false;
    }
    body.append(data, len);
    return true;
  };

  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  ++context.stats.attempts;
  const std::uint64_t watch =
      watchdog_->Watch(pooled->socket, &context, budget_deadline);
  const bool ok = client.send(req, res, err);
  const Watchdog::Verdict verdict = watchdog_->Done(watch);
  // Only a client that completed its exchange goes back to the pool; one
  // that failed (or was cut off) may hold a connection in any state.
  if (ok && verdict == Watchdog::Verdict::kNone) Release(std::move(pooled));

  if (ok && verdict == Watchdog::Verdict::kNone) {
    context.stats.upstream_status = res.status;
    HttpResponse out;
    out.status = res.status;
    out.headers.reserve(res.headers.size());
    for (const auto& [k, v] : res.headers) out.headers.emplace_back(k, v);
    out.body = std::move(body);
    return out;
  }
  if (too_large) {
    return Sent(
        WithErrorInfo(absl::ResourceExhaustedError(absl::StrCat(
                          "Maesn's response exceeds the gateway's limit of ",
                          options_.max_response_bytes,
                          " bytes (MAESN_MAX_RESPONSE_BYTES)")),
                      "UPSTREAM_RESPONSE_TOO_LARGE"),
        true);
  }
  // What the watchdog saw decides; httplib only reports a broken socket.
  // Whether the request had left is unknown once the connection existed.
  const bool connected = err != httplib::Error::Connection &&
                         err != httplib::Error::ConnectionTimeout &&
                         err != httplib::Error::SSLConnection &&
                         err != httplib::Error::SSLServerVerification;
  switch (verdict) {
    case Watchdog::Verdict::kCallerDeadline:
      return Sent(absl::DeadlineExceededError(
                      "the call's deadline passed while waiting for Maesn"),
                  connected);
    case Watchdog::Verdict::kBudget:
      return Sent(
          WithErrorInfo(absl::DeadlineExceededError(absl::StrCat(
                            "Maesn did not answer within ",
                            absl::FormatDuration(options_.connect_timeout +
                                                 options_.read_timeout),
                            " (MAESN_CONNECT_TIMEOUT_MS + "
                            "MAESN_READ_TIMEOUT_MS)")),
                        "UPSTREAM_TIMEOUT"),
          connected);
    case Watchdog::Verdict::kCancelled:
      return Sent(absl::CancelledError("the caller cancelled the call"),
                  connected);
    case Watchdog::Verdict::kNone:
      break;
  }

  const bool past_deadline = absl::Now() >= context.deadline;
  switch (err) {
    case httplib::Error::Connection:
      // Refused, unreachable, or the name does not resolve.
      return Sent(
          WithErrorInfo(absl::UnavailableError("could not connect to Maesn"),
                        "UPSTREAM_UNAVAILABLE"),
          false);
    case httplib::Error::ConnectionTimeout:
      if (past_deadline) {
        return Sent(absl::DeadlineExceededError(
                        "deadline expired while connecting to Maesn"),
                    false);
      }
      return Sent(
          WithErrorInfo(absl::UnavailableError("connecting to Maesn timed out"),
                        "UPSTREAM_UNAVAILABLE"),
          false);
    case httplib::Error::SSLConnection:
      // Includes a peer that does not speak TLS at all: there is never a
      // fallback to plain HTTP.
      return Sent(WithErrorInfo(
                      absl::UnavailableError("TLS handshake with Maesn failed"),
                      "UPSTREAM_TLS_FAILED"),
                  false);
    case httplib::Error::SSLServerVerification:
      return Sent(WithErrorInfo(absl::UnavailableError(
                                    "Maesn's TLS certificate could not be "
                                    "verified (untrusted or wrong host)"),
                                "UPSTREAM_TLS_VERIFICATION_FAILED"),
                  false);
    case httplib::Error::SSLLoadingCerts:
      return Sent(WithErrorInfo(absl::FailedPreconditionError(
                                    "the configured CA bundle could not be "
                                    "loaded"),
                                "UPSTREAM_CA_UNREADABLE"),
                  false);
    case httplib::Error::Write:
      // The request did not get out whole, so Maesn cannot have acted on it.
      return Sent(WithErrorInfo(absl::UnavailableError(
                                    "sending the request to Maesn failed"),
                                "UPSTREAM_UNAVAILABLE"),
                  false);
    case httplib::Error::Read:
      if (past_deadline) {
        return Sent(absl::DeadlineExceededError(
                        "deadline expired while reading Maesn's response"),
                    true);
      }
      if (absl::Now() - start >= options_.read_timeout) {
        return Sent(WithErrorInfo(absl::DeadlineExceededError(
                                      "Maesn did not answer within the read "
                                      "timeout"),
                                  "UPSTREAM_TIMEOUT"),
                    true);
      }
      // Reset, closed early, or a body shorter than announced.
      return Sent(WithErrorInfo(absl::UnavailableError(
                                    "the connection to Maesn broke before "
                                    "the whole response arrived"),
                                "UPSTREAM_UNAVAILABLE"),
                  true);
    case httplib::Error::Compression:
      return Sent(
          WithErrorInfo(absl::InternalError("Maesn's response could not be "
                                            "decompressed"),
                        "INVALID_UPSTREAM_RESPONSE"),
          true);
    default:
      return Sent(WithErrorInfo(absl::UnavailableError(
                                    absl::StrCat("request to Maesn failed: ",
                                                 httplib::to_string(err))),
                                "UPSTREAM_UNAVAILABLE"),
                  true);
  }
}

}  // namespace maesn::gateway
