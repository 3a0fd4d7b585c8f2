#ifndef MAESN_GATEWAY_MAESN_HTTPS_MAESN_STUB_H_
#define MAESN_GATEWAY_MAESN_HTTPS_MAESN_STUB_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/common/executor.h"
#include "gateway/maesn/http_transport.h"
#include "gateway/maesn/maesn_stub.h"
#include "gateway/observability/upstream_observer.h"

namespace maesn::gateway {

// Builds the HTTP request of a binding (see MaesnStub) from a request
// message, without sending it: the request target (path and query) and the
// JSON body (empty for none), or a multipart/form-data body when the
// binding says so (MaesnOperation.multipart). INVALID_ARGUMENT when a value
// cannot be sent.
struct BuiltRequest {
  std::string target;
  std::string body;
  std::string content_type = "application/json";  // of a non-empty body
};
absl::StatusOr<BuiltRequest> BuildRequest(
    const RestBinding& binding, const google::protobuf::Message& request,
    const PagePosition* page);

// Maps a 2xx answer's JSON body into `response` as the binding's data shape
// says (record, list, string, document or task), with Maesn's meta and,
// when the request asked for it, the raw data.
absl::Status ParseResponse(const RestBinding& binding,
                           const google::protobuf::Message& request,
                           absl::string_view body,
                           google::protobuf::Message& response);

// Sets the response's task_id (when the binding has one) from the task id
// of an answer Maesn processed asynchronously (mapping/async_answer.h).
absl::Status ReadAsyncTaskId(const RestBinding& binding, absl::string_view body,
                             google::protobuf::Message& response);

// MaesnStub over HTTPS: builds the request (BuildRequest), adds the
// credential headers, sends it through the transport, maps the HTTP status
// (http_status.h) and the JSON body (ParseResponse). Every HTTP attempt is
// reported to `observer` (may be null; must outlive the stub).
//
// AsyncCall() never blocks when the transport is also an
// AsyncHttpTransport (CurlTransport is): the request is started on the
// transport's event loop and the answer is mapped in its callback. Bodies
// larger than `offload_bytes` are mapped on `cpu` instead (may be null:
// always on the loop), so that one large answer does not hold up the other
// transfers of its loop. Over a blocking transport AsyncCall() runs Call()
// inline.
class HttpsMaesnStub final : public MaesnStub {
 public:
  explicit HttpsMaesnStub(std::shared_ptr<HttpTransport> transport,
                          UpstreamObserver* observer = nullptr,
                          Executor* cpu = nullptr,
                          std::size_t offload_bytes = 256 << 10)
      : transport_(std::move(transport)),
        async_(dynamic_cast<AsyncHttpTransport*>(transport_.get())),
        observer_(observer),
        cpu_(cpu),
        offload_bytes_(offload_bytes) {}

  absl::Status Call(CallContext& context, const RestBinding& binding,
                    const google::protobuf::Message& request,
                    const PagePosition* page,
                    google::protobuf::Message& response) override;
  void AsyncCall(CallContext& context, const RestBinding& binding,
                 const google::protobuf::Message& request,
                 const PagePosition* page, google::protobuf::Message& response,
                 Done done) override;

 private:
  std::shared_ptr<HttpTransport> transport_;
  AsyncHttpTransport* const async_;  // transport_ when it is one, else null
  UpstreamObserver* const observer_;
  Executor* const cpu_;
  const std::size_t offload_bytes_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_MAESN_HTTPS_MAESN_STUB_H_
