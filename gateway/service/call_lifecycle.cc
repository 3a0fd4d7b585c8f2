#include "gateway/service/call_lifecycle.h"

#include <chrono>
#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gateway/common/errors.h"

namespace maesn::gateway {
namespace {

// First value of metadata `key`, or empty.
std::string Metadata(grpc::CallbackServerContext* ctx, const char* key) {
  const auto& md = ctx->client_metadata();
  auto it = md.find(key);
  if (it == md.end()) return {};
  return std::string(it->second.data(), it->second.size());
}

// A key must be a single visible-ASCII token: anything else could smuggle a
// header into the upstream request.
bool IsWellFormedKey(absl::string_view key) {
  if (key.empty() || key.size() > 4096) return false;
  for (char c : key) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

bool IsWellFormedRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// version-traceid-parentid-flags, lower-case hex (W3C Trace Context).
bool IsWellFormedTraceparent(absl::string_view tp) {
  if (tp.size() != 55 || tp[2] != '-' || tp[35] != '-' || tp[52] != '-') {
    return false;
  }
  for (std::size_t i = 0; i < tp.size(); ++i) {
    if (i == 2 || i == 35 || i == 52) continue;
    const char c = tp[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string NewRequestId() {
  thread_local absl::BitGen gen;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(gen),
                         absl::Uniform<uint64_t>(gen));
}

absl::Status Unauthenticated(absl::string_view message) {
  return WithErrorInfo(absl::UnauthenticatedError(message),
                       "MISSING_CREDENTIALS");
}

}  // namespace

absl::Status ReadCallContext(const ServiceEnvironment& env,
                             grpc::CallbackServerContext* server_context,
                             CallContext& call) {
  std::string request_id = Metadata(server_context, "x-request-id");
  call.request_id =
      IsWellFormedRequestId(request_id) ? request_id : NewRequestId();
  std::string traceparent = Metadata(server_context, "traceparent");
  if (IsWellFormedTraceparent(traceparent)) call.traceparent = traceparent;

  const auto deadline = server_context->deadline();
  const auto now = std::chrono::system_clock::now();
  call.deadline = deadline - now > std::chrono::hours(24 * 365)
                      ? absl::InfiniteFuture()
                      : absl::FromChrono(deadline);
  call.is_cancelled = [server_context] {
    return server_context->IsCancelled();
  };

  std::string account_key = Metadata(server_context, "x-account-key");
  if (account_key.empty()) {
    return Unauthenticated(
        "metadata x-account-key is required (the Maesn account key of the "
        "end user)");
  }
  if (!IsWellFormedKey(account_key)) {
    return Unauthenticated("metadata x-account-key is malformed");
  }
  std::string api_key = Metadata(server_context, "x-api-key");
  if (api_key.empty()) api_key = env.default_api_key;
  if (api_key.empty()) {
    return Unauthenticated(
        "metadata x-api-key is required: this gateway has no Maesn API key "
        "configured");
  }
  if (!IsWellFormedKey(api_key)) {
    return Unauthenticated("metadata x-api-key is malformed");
  }
  call.credentials.api_key = std::move(api_key);
  call.credentials.account_key = std::move(account_key);
  return absl::OkStatus();
}

void AddStatusTrailers(grpc::CallbackServerContext* server_context,
                       const absl::Status& status) {
  if (status.ok()) return;
  if (MayHaveBeenApplied(WriteOutcomeOf(status))) {
    server_context->AddTrailingMetadata("grpc-retry-pushback-ms", "-1");
    return;
  }
  absl::Duration delay;
  if (RetryDelay(status, &delay)) {
    server_context->AddTrailingMetadata(
        "grpc-retry-pushback-ms",
        absl::StrCat(absl::ToInt64Milliseconds(delay)));
  }
}

bool InFlightLimit::TryAcquire() {
  if (in_flight_.fetch_add(1, std::memory_order_relaxed) < max_) return true;
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  refused_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

absl::Status OverloadedError() {
  return WithRetryDelay(
      WithErrorInfo(absl::ResourceExhaustedError(
                        "the gateway is at capacity (UPSTREAM_MAX_IN_FLIGHT "
                        "requests to Maesn in flight); retry with backoff"),
                    "GATEWAY_OVERLOADED"),
      absl::Seconds(1));
}

CallLifecycle::CallLifecycle(const ServiceEnvironment& env,
                             absl::string_view rpc, bool server_stream)
    : env_(env), observer_(env.observer), server_stream_(server_stream) {
  record_.method = std::string(rpc);
  record_.grpc_type = server_stream ? "server_stream" : "unary";
  record_.start = absl::Now();
  if (observer_ != nullptr) observer_->OnRpcStart(record_);
}

absl::Status CallLifecycle::Begin(grpc::CallbackServerContext* server_context,
                                  CallContext& call) {
  absl::Status status = ReadCallContext(env_, server_context, call);
  if (server_stream_) {
    server_context->AddInitialMetadata("x-request-id", call.request_id);
  }
  return status;
}

grpc::Status CallLifecycle::End(grpc::CallbackServerContext* server_context,
                                const absl::Status& status,
                                const CallContext& call) {
  if (server_context != nullptr) {
    if (!server_stream_ && !call.request_id.empty()) {
      if (status.ok()) {
        server_context->AddInitialMetadata("x-request-id", call.request_id);
      } else {
        server_context->AddTrailingMetadata("x-request-id", call.request_id);
      }
    }
    AddStatusTrailers(server_context, status);
  }
  grpc::Status out = ToGrpcStatus(status, &call.credentials);
  if (observer_ != nullptr) {
    record_.code = status.code();
    record_.duration = absl::Now() - record_.start;
    record_.request_id = call.request_id;
    record_.traceparent = call.traceparent;
    record_.stats = call.stats;
    record_.error_reason = out.error_message();
    observer_->OnRpcEnd(record_);
  }
  return out;
}

}  // namespace maesn::gateway
