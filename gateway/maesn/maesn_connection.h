#ifndef MAESN_GATEWAY_MAESN_MAESN_CONNECTION_H_
#define MAESN_GATEWAY_MAESN_MAESN_CONNECTION_H_

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/common/call_context.h"
#include "gateway/common/clock.h"
#include "gateway/maesn/maesn_stub.h"
#include "gateway/maesn/page_token.h"
#include "gateway/observability/upstream_observer.h"
#include "google/protobuf/message.h"

namespace maesn::gateway {

// How idempotent reads are retried.
struct RetryPolicy {
  int max_attempts = 4;  // first attempt included
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
  double multiplier = 2.0;
  // The longest single wait the gateway spends on a worker thread; when
  // Maesn's Retry-After asks for more, the error goes back to the caller
  // (with that RetryInfo) instead.
  absl::Duration max_wait = absl::Seconds(10);
  // RetryInfo given to the caller with a retryable error for which Maesn
  // named no Retry-After.
  absl::Duration caller_retry_delay = absl::Seconds(1);
};

// True for failures worth another attempt of an idempotent read: HTTP
// 429/502/503/504 and connection errors (refused, reset, TLS handshake),
// but not timeouts, certificate failures, oversized or unusable responses.
bool IsRetryable(const absl::Status& status);

// What happened to a write that failed (ErrorInfo metadata write_outcome).
// NOT_SENT: the request never reached Maesn. REJECTED: Maesn answered 4xx,
// nothing was written. UNKNOWN: it may or may not have been applied (5xx,
// timeout, connection lost or call cancelled after sending). APPLIED: Maesn
// answered 2xx but its answer was unusable. Callers reconcile UNKNOWN and
// APPLIED (look the record up) instead of sending the write again.
inline constexpr absl::string_view kWriteOutcomeKey = "write_outcome";

// The one place that decides about retries.
//
// Reads (GET) are retried on IsRetryable() failures with exponential backoff
// and full jitter, waiting at least as long as Maesn's Retry-After, bounded
// by the policy's attempt cap, its longest wait and the caller's deadline.
// Writes (POST, PUT, PATCH, DELETE) are never retried; every failed write
// carries ErrorInfo metadata write_outcome (see kWriteOutcomeKey). Page
// tokens live here too (page_token.h): list calls turn them into Maesn
// pages, so an all-pages stream is a walk over them (service/
// page_streamer.h).
//
// Every error leaving here is finished the same way (FinishError): Maesn's
// validationErrors paths become the request's proto field paths, and a
// retryable error carries a RetryInfo (Maesn's Retry-After, else the
// policy's caller_retry_delay) unless it is a write that may have been
// applied, which carries none. Thread-safe.
class MaesnConnection {
 public:
  // `observer` (may be null; must outlive the connection) hears of every
  // retry.
  MaesnConnection(std::shared_ptr<MaesnStub> stub, RetryPolicy policy,
                  std::shared_ptr<Clock> clock,
                  UpstreamObserver* observer = nullptr);

  absl::StatusOr<v1::GetInvoiceResponse> GetInvoice(
      CallContext& context, const v1::GetInvoiceRequest& request);
  absl::StatusOr<v1::GetBillResponse> GetBill(
      CallContext& context, const v1::GetBillRequest& request);
  absl::StatusOr<v1::GetTaskResponse> GetTask(
      CallContext& context, const v1::GetTaskRequest& request);

  // Invoices and bills (maesn_connection_invoice_bill.cc). List calls turn
  // page_size/page_token into Maesn's page and limit (page_token.h) and
  // fill next_page_token and total_size; INVALID_ARGUMENT for a bad token
  // or page size comes before any upstream request.
  absl::StatusOr<v1::ListInvoicesResponse> ListInvoices(
      CallContext& context, const v1::ListInvoicesRequest& request);
  absl::StatusOr<v1::CreateInvoiceResponse> CreateInvoice(
      CallContext& context, const v1::CreateInvoiceRequest& request);
  absl::StatusOr<v1::UpdateInvoiceResponse> UpdateInvoice(
      CallContext& context, const v1::UpdateInvoiceRequest& request);
  absl::StatusOr<v1::GetInvoiceDocumentResponse> GetInvoiceDocument(
      CallContext& context, const v1::GetInvoiceDocumentRequest& request);
  absl::StatusOr<v1::ListInvoiceLineItemsResponse> ListInvoiceLineItems(
      CallContext& context, const v1::ListInvoiceLineItemsRequest& request);
  absl::StatusOr<v1::GetInvoiceLineItemResponse> GetInvoiceLineItem(
      CallContext& context, const v1::GetInvoiceLineItemRequest& request);
  absl::StatusOr<v1::CreateInvoiceLineItemResponse> CreateInvoiceLineItem(
      CallContext& context, const v1::CreateInvoiceLineItemRequest& request);
  absl::StatusOr<v1::UpdateInvoiceLineItemResponse> UpdateInvoiceLineItem(
      CallContext& context, const v1::UpdateInvoiceLineItemRequest& request);
  absl::StatusOr<v1::ListBillsResponse> ListBills(
      CallContext& context, const v1::ListBillsRequest& request);
  absl::StatusOr<v1::CreateBillResponse> CreateBill(
      CallContext& context, const v1::CreateBillRequest& request);
  absl::StatusOr<v1::UpdateBillResponse> UpdateBill(
      CallContext& context, const v1::UpdateBillRequest& request);
  absl::StatusOr<v1::DeleteBillResponse> DeleteBill(
      CallContext& context, const v1::DeleteBillRequest& request);
  absl::StatusOr<v1::GetBillDocumentResponse> GetBillDocument(
      CallContext& context, const v1::GetBillDocumentRequest& request);
  absl::StatusOr<v1::ListBillLineItemsResponse> ListBillLineItems(
      CallContext& context, const v1::ListBillLineItemsRequest& request);
  absl::StatusOr<v1::CreateBillLineItemResponse> CreateBillLineItem(
      CallContext& context, const v1::CreateBillLineItemRequest& request);
  absl::StatusOr<v1::UpdateBillLineItemResponse> UpdateBillLineItem(
      CallContext& context, const v1::UpdateBillLineItemRequest& request);

  const std::shared_ptr<MaesnStub>& stub() const { return stub_; }

 private:
  // Runs `attempt` (one stub call for `request`) until it succeeds, fails
  // permanently, or the policy or deadline says stop.
  template <typename Fn>
  auto Read(CallContext& context, const google::protobuf::Message& request,
            Fn&& attempt) -> decltype(attempt()) {
    for (int n = 1;; ++n) {
      auto result = attempt();
      if (result.ok()) return result;
      absl::Duration wait;
      if (!ShouldRetry(context, result.status(), n, &wait)) {
        return FinishError(result.status(), context, request, false);
      }
      if (observer_ != nullptr) {
        observer_->OnUpstreamRetry(OperationOf(result.status()));
      }
      clock_->SleepFor(wait);
    }
  }
  // Reads one page of a paged list: `fetch(PagePosition)` is one stub call
  // for the page the request's page_token/page_size name (retried like any
  // read); `count(response)` is its number of records.
  template <typename Response, typename Fetch, typename Count>
  absl::StatusOr<Response> ReadPage(CallContext& context,
                                    const google::protobuf::Message& request,
                                    Fetch&& fetch, Count&& count) {
    absl::StatusOr<PagePosition> position = StartPosition(request);
    if (!position.ok()) return position.status();
    absl::StatusOr<Response> page =
        Read(context, request, [&] { return fetch(*position); });
    if (!page.ok()) return page;
    PageOutcome outcome =
        DecidePage(request, *position, page->meta(), count(*page));
    page->set_next_page_token(std::move(outcome.next_page_token));
    page->set_total_size(outcome.total_size);
    return page;
  }
  // Runs `attempt` once and labels the outcome of a failure.
  template <typename Fn>
  auto Write(CallContext& context, const google::protobuf::Message& request,
             Fn&& attempt) -> decltype(attempt()) {
    auto result = attempt();
    if (!result.ok()) {
      return FinishError(result.status(), context, request, true);
    }
    return result;
  }

 public:
  // Decides whether attempt `n` that failed with `status` is retried, and
  // how long to wait first.
  bool ShouldRetry(const CallContext& context, const absl::Status& status,
                   int n, absl::Duration* wait);
  // Finishes the final error of a read or a write (see the class comment).
  absl::Status FinishError(absl::Status status, const CallContext& context,
                           const google::protobuf::Message& request,
                           bool write) const;

 private:
  static absl::Status LabelWriteOutcome(absl::Status status,
                                        const CallContext& context);
  // The Maesn operation a stub error names ("unknown" if none).
  static std::string OperationOf(const absl::Status& status);

  std::shared_ptr<MaesnStub> stub_;
  const RetryPolicy policy_;
  std::shared_ptr<Clock> clock_;
  UpstreamObserver* const observer_;
  absl::Mutex mu_;
  absl::BitGen rng_ ABSL_GUARDED_BY(mu_);
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_MAESN_MAESN_CONNECTION_H_
