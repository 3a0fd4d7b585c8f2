#include "gateway/maesn/httplib_transport.h"

// Debian's libcpp-httplib.so is compiled with OpenSSL support; a translation
// unit that includes httplib.h without the same macro sees different class
// layouts and crashes at run time. pkg-config (cpp-httplib.pc) defines it.
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#error \
    "Compile with `pkg-config --cflags cpp-httplib` (CPPHTTPLIB_OPENSSL_SUPPORT)"
#endif
#include <httplib.h>

#include <algorithm>
#include <chrono>
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

}  // namespace

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
    : options_(std::move(options)), endpoint_(std::move(endpoint)) {}

HttplibTransport::~HttplibTransport() = default;

std::unique_ptr<httplib::SSLClient> HttplibTransport::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  auto c = std::make_unique<httplib::SSLClient>(endpoint_.host, endpoint_.port);
  if (!options_.ca_file.empty()) c->set_ca_cert_path(options_.ca_file);
  c->enable_server_certificate_verification(true);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);  // no Nagle delay between header and body writes
  c->set_follow_location(false);
  c->set_url_encode(false);  // targets arrive percent-encoded already
  clients_created_.fetch_add(1);
  return c;
}

void HttplibTransport::Release(std::unique_ptr<httplib::SSLClient> client) {
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
  auto client = Acquire();
  {
    auto [s, us] = ToSecUsec(std::min(options_.connect_timeout, remaining));
    client->set_connection_timeout(s, us);
  }
  {
    auto [s, us] = ToSecUsec(std::min(options_.read_timeout, remaining));
    client->set_read_timeout(s, us);
  }
  {
    auto [s, us] = ToSecUsec(std::min(options_.write_timeout, remaining));
    client->set_write_timeout(s, us);
  }

  httplib::Request req;
  req.method = request.method;
  req.path = request.target;
  for (const auto& [k, v] : request.headers) req.headers.emplace(k, v);
  req.headers.emplace("User-Agent", options_.user_agent);
  req.body = request.body;

  std::string body;
  bool too_large = false;
  bool stopped = false;  // cancelled or past the deadline while receiving
  auto keep_going = [&]() {
    if (context.Cancelled() || absl::Now() >= context.deadline) {
      stopped = true;
      return false;
    }
    return true;
  };
  req.content_receiver = [&](const char* data, size_t len, uint64_t /*off*/,
                             uint64_t /*total*/) {
    if (body.size() + len > options_.max_response_bytes) {
      too_large = true;
      return false;
    }
    if (!keep_going()) return false;
    body.append(data, len);
    return true;
  };
  req.progress = [&](uint64_t, uint64_t) { return keep_going(); };

  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  ++context.stats.attempts;
  const bool ok = client->send(req, res, err);
  Release(std::move(client));

  if (ok) {
    context.stats.upstream_status = res.status;
    HttpResponse out;
    out.status = res.status;
    out.headers.reserve(res.headers.size());
    for (const auto& [k, v] : res.headers) out.headers.emplace_back(k, v);
    out.body = std::move(body);
    return out;
  }

  const bool past_deadline = absl::Now() >= context.deadline;
  switch (err) {
    case httplib::Error::Canceled:
      if (too_large) {
        return Sent(WithErrorInfo(
                        absl::ResourceExhaustedError(absl::StrCat(
                            "Maesn's response exceeds the gateway's limit of ",
                            options_.max_response_bytes, " bytes")),
                        "UPSTREAM_RESPONSE_TOO_LARGE"),
                    true);
      }
      if (stopped && context.Cancelled()) {
        return Sent(absl::CancelledError("the caller cancelled the call"),
                    true);
      }
      return Sent(absl::DeadlineExceededError(
                      "deadline expired while waiting for Maesn's response"),
                  true);
    case httplib::Error::Connection:
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
      return Sent(WithErrorInfo(absl::UnavailableError(
                                    "the connection to Maesn broke while "
                                    "reading the response"),
                                "UPSTREAM_UNAVAILABLE"),
                  true);
    case httplib::Error::Compression:
      return Sent(
          WithErrorInfo(absl::UnavailableError("Maesn's response could not be "
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
