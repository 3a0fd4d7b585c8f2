#ifndef MAESN_GATEWAY_SERVICE_UNARY_CALL_H_
#define MAESN_GATEWAY_SERVICE_UNARY_CALL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/common/call_context.h"
#include "gateway/common/executor.h"
#include "gateway/observability/rpc_observer.h"
#include "gateway/service/grpc_status.h"

namespace maesn::gateway {

// What every service needs to run a call; owned by the server, shared by
// all services, outlives every call.
struct ServiceEnvironment {
  Executor* executor = nullptr;
  // Used when the caller sends no x-api-key; may be empty.
  std::string default_api_key;
  // May be null.
  RpcObserver* observer = nullptr;
};

// Builds the CallContext of an incoming call from its metadata: the
// credentials (x-account-key required; x-api-key, else the configured key),
// deadline, cancellation, x-request-id (taken if well-formed, else made
// up) and traceparent. Fails with UNAUTHENTICATED without echoing a key.
// Sends nothing to the caller.
absl::Status ReadCallContext(const ServiceEnvironment& env,
                             grpc::CallbackServerContext* server_context,
                             CallContext& call);

// ReadCallContext, then x-request-id into the initial metadata (for
// streaming RPCs, whose initial metadata goes out with the first message).
absl::Status MakeCallContext(const ServiceEnvironment& env,
                             grpc::CallbackServerContext* server_context,
                             CallContext& call);

// Puts the gRPC trailers that go with a final status: grpc-retry-pushback-ms
// = the RetryInfo delay in ms when the status asks the caller to wait, so a
// stock gRPC client with a retry policy waits as long as Maesn asked; and
// grpc-retry-pushback-ms = -1 ("do not retry", gRPC A6) for a write whose
// outcome is UNKNOWN or APPLIED, so no automatic retry can duplicate it.
void AddStatusTrailers(grpc::CallbackServerContext* server_context,
                       const absl::Status& status);

// RESOURCE_EXHAUSTED (reason GATEWAY_OVERLOADED, RetryInfo) for a call the
// executor's full queue turned away.
absl::Status OverloadedError();

// Runs one unary RPC: builds the CallContext, then runs
// `work(CallContext&) -> absl::StatusOr<Response>` on the executor (never on
// the gRPC thread) and finishes the reactor with its result. Missing
// credentials finish at once, before any upstream request; a full executor
// answers RESOURCE_EXHAUSTED.
template <typename Response, typename Work>
grpc::ServerUnaryReactor* RunUnary(const ServiceEnvironment& env,
                                   grpc::CallbackServerContext* server_context,
                                   absl::string_view method, Response* response,
                                   Work work) {
  grpc::ServerUnaryReactor* reactor = server_context->DefaultReactor();
  auto call = std::make_shared<CallContext>();
  auto record = std::make_shared<RpcRecord>();
  record->method = std::string(method);
  record->start = absl::Now();
  auto finish = [observer = env.observer, server_context, reactor, call,
                 record](const absl::Status& status) {
    // x-request-id goes with the answer: in the initial metadata of a
    // success, in the trailers of an error. An error then stays a
    // trailers-only response, which a stock gRPC client may retry (custom
    // initial metadata would commit the call, gRPC A6).
    if (!call->request_id.empty()) {
      if (status.ok()) {
        server_context->AddInitialMetadata("x-request-id", call->request_id);
      } else {
        server_context->AddTrailingMetadata("x-request-id", call->request_id);
      }
    }
    AddStatusTrailers(server_context, status);
    grpc::Status out = ToGrpcStatus(status, &call->credentials);
    record->code = status.code();
    record->duration = absl::Now() - record->start;
    record->request_id = call->request_id;
    record->traceparent = call->traceparent;
    record->stats = call->stats;
    record->error_reason = out.error_message();
    if (observer != nullptr) observer->OnRpcEnd(*record);
    reactor->Finish(out);
  };
  if (env.observer != nullptr) env.observer->OnRpcStart(*record);
  absl::Status setup = ReadCallContext(env, server_context, *call);
  if (!setup.ok()) {
    finish(setup);
    return reactor;
  }
  const bool queued = env.executor->Submit(
      [call, response, finish, work = std::move(work)]() mutable {
        absl::StatusOr<Response> result = work(*call);
        if (result.ok()) {
          *response = *std::move(result);
          finish(absl::OkStatus());
        } else {
          finish(result.status());
        }
      });
  if (!queued) finish(OverloadedError());
  return reactor;
}

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVICE_UNARY_CALL_H_
