#ifndef MAESN_GATEWAY_MAESN_HTTPS_MAESN_STUB_H_
#define MAESN_GATEWAY_MAESN_HTTPS_MAESN_STUB_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/maesn/http_transport.h"
#include "gateway/maesn/maesn_stub.h"
#include "gateway/observability/upstream_observer.h"

namespace maesn::gateway {

// Builds the HTTP request of a binding (see MaesnStub) from a request
// message, without sending it: the request target (path and query) and the
// JSON body (empty for none). INVALID_ARGUMENT when a value cannot be sent.
struct BuiltRequest {
  std::string target;
  std::string body;
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
// credential headers, sends it through the HttpTransport, maps the HTTP
// status (http_status.h) and the JSON body (ParseResponse). Every HTTP
// attempt is reported to `observer` (may be null; must outlive the stub).
class HttpsMaesnStub final : public MaesnStub {
 public:
  explicit HttpsMaesnStub(std::shared_ptr<HttpTransport> transport,
                          UpstreamObserver* observer = nullptr)
      : transport_(std::move(transport)), observer_(observer) {}

  absl::Status Call(CallContext& context, const RestBinding& binding,
                    const google::protobuf::Message& request,
                    const PagePosition* page,
                    google::protobuf::Message& response) override;

 private:
  // Sends one request and returns the 2xx response, or the mapped error.
  absl::StatusOr<HttpResponse> Send(CallContext& context,
                                    absl::string_view operation,
                                    absl::string_view method,
                                    std::string target, std::string body);

  std::shared_ptr<HttpTransport> transport_;
  UpstreamObserver* const observer_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_MAESN_HTTPS_MAESN_STUB_H_
