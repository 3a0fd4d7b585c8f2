#ifndef MAESN_GATEWAY_SERVICE_WATCH_CALLS_H_
#define MAESN_GATEWAY_SERVICE_WATCH_CALLS_H_

#include <grpcpp/grpcpp.h>

#include "gateway/common/v1.h"
#include "gateway/service/unary_call.h"
#include "gateway/watch/watch_hub.h"
#include "maesn/accounting/v1/task.pb.h"

namespace maesn::gateway {

// Serves one TaskService.WatchTask stream on the WatchHub: the task's
// current state first, then each change, ending OK after a terminal state.
// A callback reactor holding no thread while idle: one write in flight, a
// one-slot queue that coalesces to the latest state for a slow client
// (never two equal messages in a row), heartbeats when asked, the
// WATCH_MAX_DURATION_MS cap (DEADLINE_EXCEEDED), the WATCH_MAX_STREAMS cap
// (RESOURCE_EXHAUSTED), and client cancellation and deadlines honoured at
// once. The returned reactor owns itself; gRPC drives it until OnDone.
// `env` and `hub` outlive the call.
grpc::ServerWriteReactor<v1::WatchTaskResponse>* StartWatchTask(
    const ServiceEnvironment& env, WatchHub* hub,
    grpc::CallbackServerContext* context, const v1::WatchTaskRequest* request);

// Serves one TaskService.WaitTask call on the WatchHub: answers once the
// task is terminal, DEADLINE_EXCEEDED when the caller's deadline (or
// WATCH_MAX_DURATION_MS) comes first. Holds no thread while waiting.
grpc::ServerUnaryReactor* StartWaitTask(const ServiceEnvironment& env,
                                        WatchHub* hub,
                                        grpc::CallbackServerContext* context,
                                        const v1::WaitTaskRequest* request,
                                        v1::WaitTaskResponse* response);

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVICE_WATCH_CALLS_H_
