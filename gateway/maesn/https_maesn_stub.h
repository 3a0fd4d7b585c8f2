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

// MaesnStub over HTTPS: builds each operation's request target (ids
// percent-encoded, query parameters only when set), adds the credential
// headers, sends it through the HttpTransport, maps the HTTP status
// (http_status.h) and the JSON body (mapping/) into the response proto.
// Every HTTP attempt is reported to `observer` (may be null; must outlive
// the stub).
class HttpsMaesnStub final : public MaesnStub {
 public:
  explicit HttpsMaesnStub(std::shared_ptr<HttpTransport> transport,
                          UpstreamObserver* observer = nullptr)
      : transport_(std::move(transport)), observer_(observer) {}

  absl::StatusOr<v1::GetInvoiceResponse> GetInvoice(
      CallContext& context, const v1::GetInvoiceRequest& request) override;
  absl::StatusOr<v1::GetBillResponse> GetBill(
      CallContext& context, const v1::GetBillRequest& request) override;
  absl::StatusOr<v1::GetTaskResponse> GetTask(
      CallContext& context, const v1::GetTaskRequest& request) override;

 private:
  // Sends one request and returns the 2xx response, or the mapped error.
  absl::StatusOr<HttpResponse> Call(CallContext& context,
                                    absl::string_view operation,
                                    absl::string_view method,
                                    std::string target, std::string body = {});

  std::shared_ptr<HttpTransport> transport_;
  UpstreamObserver* const observer_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_MAESN_HTTPS_MAESN_STUB_H_
