#ifndef MAESN_GATEWAY_MAESN_MAESN_STUB_H_
#define MAESN_GATEWAY_MAESN_MAESN_STUB_H_

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
  virtual ~MaesnStub() = default;

  // Sends `request` (of the binding's input type) and fills `response` (of
  // its output type, cleared by the caller) from the 2xx answer. For a paged
  // list, `page` is the Maesn page and limit to fetch (the request's
  // page_size and page_token are not read) and must not be null.
  virtual absl::Status Call(CallContext& context, const RestBinding& binding,
                            const google::protobuf::Message& request,
                            const PagePosition* page,
                            google::protobuf::Message& response) = 0;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_MAESN_MAESN_STUB_H_
