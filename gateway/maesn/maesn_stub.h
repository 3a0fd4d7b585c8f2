#ifndef MAESN_GATEWAY_MAESN_MAESN_STUB_H_
#define MAESN_GATEWAY_MAESN_MAESN_STUB_H_

#include "absl/status/statusor.h"
#include "gateway/common/call_context.h"
#include "gateway/common/v1.h"
#include "maesn/accounting/v1/bill.pb.h"
#include "maesn/accounting/v1/invoice.pb.h"
#include "maesn/accounting/v1/task.pb.h"

namespace maesn::gateway {

// One method per Maesn REST operation: one attempt, no retries, no
// pagination logic. The request and response are the gateway's protos; how
// they become HTTP and JSON is the implementation's business. A non-2xx
// answer is returned as the error status from http_status.h.
// Implementations are thread-safe.
class MaesnStub {
 public:
  virtual ~MaesnStub() = default;

  // GET /accounting/invoices/{invoiceId} (getInvoice)
  virtual absl::StatusOr<v1::GetInvoiceResponse> GetInvoice(
      CallContext& context, const v1::GetInvoiceRequest& request) = 0;
  // GET /accounting/bills/{billId} (getBill)
  virtual absl::StatusOr<v1::GetBillResponse> GetBill(
      CallContext& context, const v1::GetBillRequest& request) = 0;
  // GET /accounting/asyncTask/{taskId} (getAsyncTaskInfo)
  virtual absl::StatusOr<v1::GetTaskResponse> GetTask(
      CallContext& context, const v1::GetTaskRequest& request) = 0;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_MAESN_MAESN_STUB_H_
