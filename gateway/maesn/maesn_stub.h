#ifndef MAESN_GATEWAY_MAESN_MAESN_STUB_H_
#define MAESN_GATEWAY_MAESN_MAESN_STUB_H_

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "gateway/common/call_context.h"
#include "gateway/maesn/page_token.h"
#include "gateway/maesn/rest_binding.h"
#include "google/protobuf/message.h"

namespace maesn::gateway {

// Makes one attempt of any Maesn operation: one HTTP request, no retries,
// no pagination logic. What the request is comes from the rpc's binding
// (rest_binding.h): the method, the path with the request's ids
// percent-encoded, the query parameters that are set, and for a write the
// JSON body with exactly the fields the caller set (with an update mask,
// exactly the named fields, unset ones as null). A value that cannot be
// sent fails with INVALID_ARGUMENT before any request is made. A non-2xx
// answer is returned as the error status from http_status.h; every error
// carries ErrorInfo metadata `operation` (the Maesn operation id).
// Implementations are thread-safe.
class MaesnStub {
 public:
  using Done = absl::AnyInvocable<void(absl::Status) &&>;

  virtual ~MaesnStub() = default;

  // Sends `request` (of the binding's input type) and fills `response` (of
  // its output type, cleared by the caller) from the 2xx answer. For a paged
  // list, `page` is the Maesn page and limit to fetch (the request's
  // page_size and page_token are not read) and must not be null.
  virtual absl::Status Call(CallContext& context, const RestBinding& binding,
                            const google::protobuf::Message& request,
                            const PagePosition* page,
                            google::protobuf::Message& response) = 0;

  // The same attempt without blocking: returns at once and runs `done` with
  // Call()'s status when the answer is mapped into `response`. `context`,
  // `request`, `page` and `response` must stay valid until then. While it
  // runs, context.cancel (when set) holds the hook that aborts it. `done`
  // runs exactly once, on a transport thread or, for a stub with nothing to
  // wait for, inline; the default runs the blocking Call() inline (stubs
  // over a blocking transport, test doubles).
  virtual void AsyncCall(CallContext& context, const RestBinding& binding,
                         const google::protobuf::Message& request,
                         const PagePosition* page,
                         google::protobuf::Message& response, Done done) {
    absl::Status status = Call(context, binding, request, page, response);
    std::move(done)(std::move(status));
  }
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_MAESN_MAESN_STUB_H_
