#include "gateway/maesn/https_maesn_stub.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gateway/common/errors.h"
#include "gateway/maesn/http_status.h"
#include "gateway/maesn/path_builder.h"
#include "gateway/mapping/envelope.h"
#include "gateway/mapping/task_mapping.h"

namespace maesn::gateway {

absl::StatusOr<HttpResponse> HttpsMaesnStub::Call(CallContext& context,
                                                  absl::string_view operation,
                                                  absl::string_view method,
                                                  std::string target,
                                                  std::string body) {
  HttpRequest req;
  req.method = std::string(method);
  req.target = std::move(target);
  req.headers = {
      {"X-API-KEY", context.credentials.api_key},
      {"X-ACCOUNT-KEY", context.credentials.account_key},
      {"Accept", "application/json"},
  };
  if (!context.request_id.empty()) {
    req.headers.emplace_back("X-Request-Id", context.request_id);
  }
  if (!context.traceparent.empty()) {
    req.headers.emplace_back("traceparent", context.traceparent);
  }
  if (!body.empty()) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = std::move(body);
  }
  const absl::Time start = absl::Now();
  auto resp = transport_->Send(req, context);
  if (observer_ != nullptr) {
    observer_->OnUpstreamAttempt(operation, resp.ok() ? resp->status : 0,
                                 absl::Now() - start);
  }
  if (!resp.ok()) {
    return WithErrorMetadata(resp.status(), "operation", operation);
  }
  absl::Status status = StatusFromHttpResponse(*resp, operation);
  if (!status.ok()) return status;
  const std::string type = absl::AsciiStrToLower(resp->Header("Content-Type"));
  if (!type.empty() && !absl::StrContains(type, "json")) {
    return WithErrorInfo(
        absl::InternalError(
            "Maesn's response is unusable: it is not JSON (Content-Type " +
            type.substr(0, 64) + ")"),
        "INVALID_UPSTREAM_RESPONSE",
        {{"operation", std::string(operation)},
         {"http_status", std::to_string(resp->status)}});
  }
  return resp;
}

absl::Status HttpsMaesnStub::Tag(absl::Status s, absl::string_view operation) {
  if (s.ok()) return s;
  return WithErrorMetadata(std::move(s), "operation", operation);
}

absl::StatusOr<v1::GetInvoiceResponse> HttpsMaesnStub::GetInvoice(
    CallContext& context, const v1::GetInvoiceRequest& request) {
  constexpr absl::string_view kOp = "getInvoice";
  Target t("/accounting/invoices");
  t.Segment(request.invoice_id())
      .Query("environmentName", request.environment_name())
      .Query("companyId", request.company_id())
      .QueryFlag("rawData", request.raw_data());
  auto http = Call(context, kOp, "GET", t.str());
  if (!http.ok()) return http.status();
  v1::GetInvoiceResponse out;
  absl::Status s = mapping::ParseRecordResponse(
      http->body, *out.mutable_invoice(), *out.mutable_meta(),
      request.raw_data() ? out.mutable_raw_data() : nullptr, "invoice");
  if (!s.ok()) return Tag(std::move(s), kOp);
  return out;
}

absl::StatusOr<v1::GetBillResponse> HttpsMaesnStub::GetBill(
    CallContext& context, const v1::GetBillRequest& request) {
  constexpr absl::string_view kOp = "getBill";
  Target t("/accounting/bills");
  t.Segment(request.bill_id())
      .Query("environmentName", request.environment_name())
      .Query("companyId", request.company_id())
      .QueryFlag("rawData", request.raw_data());
  auto http = Call(context, kOp, "GET", t.str());
  if (!http.ok()) return http.status();
  v1::GetBillResponse out;
  absl::Status s = mapping::ParseRecordResponse(
      http->body, *out.mutable_bill(), *out.mutable_meta(),
      request.raw_data() ? out.mutable_raw_data() : nullptr, "bill");
  if (!s.ok()) return Tag(std::move(s), kOp);
  return out;
}

absl::StatusOr<v1::GetTaskResponse> HttpsMaesnStub::GetTask(
    CallContext& context, const v1::GetTaskRequest& request) {
  constexpr absl::string_view kOp = "getAsyncTaskInfo";
  Target t("/accounting/asyncTask");
  t.Segment(request.task_id())
      .Query("environmentName", request.environment_name())
      .Query("companyId", request.company_id());
  if (request.page() > 0) t.Query("page", std::to_string(request.page()));
  auto http = Call(context, kOp, "GET", t.str());
  if (!http.ok()) return http.status();
  v1::GetTaskResponse out;
  absl::Status s = mapping::ParseTaskResponse(
      http->body, request.task_id(), *out.mutable_task(), *out.mutable_meta());
  if (!s.ok()) return Tag(std::move(s), kOp);
  return out;
}

}  // namespace maesn::gateway
