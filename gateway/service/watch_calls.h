#ifndef MAESN_GATEWAY_SERVICE_WATCH_CALLS_H_
#define MAESN_GATEWAY_SERVICE_WATCH_CALLS_H_

#include <grpcpp/grpcpp.h>

#include "gateway/maesn/rest_binding.h"
#include "gateway/service/call_lifecycle.h"
#include "gateway/watch/watch_hub.h"

namespace maesn::gateway {

// Serves one WATCH rpc (TaskService.WatchTask, `binding.kind` kWatch) on
// the WatchHub: the task's current state first, then each change, ending OK
// after a terminal state. A callback reactor holding no thread while idle:
// one write in flight, a one-slot queue that coalesces to the latest state
// for a slow client (never two equal messages in a row), heartbeats when
// asked, the WATCH_MAX_DURATION_MS cap (DEADLINE_EXCEEDED), the
// WATCH_MAX_STREAMS cap (RESOURCE_EXHAUSTED), and client cancellation and
// deadlines honoured at once. The request is validated like the poll rpc's
// (binding.poll). The returned reactor owns itself; gRPC drives it until
// OnDone. `env`, `binding` and `hub` outlive the call.
grpc::ServerWriteReactor<grpc::ByteBuffer>* StartWatchTask(
    const ServiceEnvironment& env, const RestBinding& binding, WatchHub* hub,
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request);

// Serves one WAIT rpc (TaskService.WaitTask) on the WatchHub: answers once
// the task is terminal, DEADLINE_EXCEEDED when the caller's deadline (or
// WATCH_MAX_DURATION_MS) comes first. Holds no thread while waiting.
grpc::ServerUnaryReactor* StartWaitTask(const ServiceEnvironment& env,
                                        const RestBinding& binding,
                                        WatchHub* hub,
                                        grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response);

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVICE_WATCH_CALLS_H_
