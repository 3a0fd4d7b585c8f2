#ifndef MAESN_TESTS_TESTING_MOCK_MAESN_STUB_H_
#define MAESN_TESTS_TESTING_MOCK_MAESN_STUB_H_

#include <gmock/gmock.h>

#include "gateway/maesn/maesn_stub.h"

namespace maesn::testing {

namespace v1 = ::maesn::accounting::v1;
using ::maesn::gateway::CallContext;

// gMock of our own MaesnStub interface (never of httplib).
class MockMaesnStub : public gateway::MaesnStub {
 public:
  MOCK_METHOD(absl::StatusOr<v1::GetInvoiceResponse>, GetInvoice,
              (CallContext&, const v1::GetInvoiceRequest&), (override));
  MOCK_METHOD(absl::StatusOr<v1::GetBillResponse>, GetBill,
              (CallContext&, const v1::GetBillRequest&), (override));
  MOCK_METHOD(absl::StatusOr<v1::GetTaskResponse>, GetTask,
              (CallContext&, const v1::GetTaskRequest&), (override));

  MOCK_METHOD(absl::StatusOr<v1::ListInvoicesResponse>, ListInvoices,
              (CallContext&, const v1::ListInvoicesRequest&,
               const gateway::PagePosition&),
              (override));
  MOCK_METHOD(absl::StatusOr<v1::CreateInvoiceResponse>, CreateInvoice,
              (CallContext&, const v1::CreateInvoiceRequest&), (override));
  MOCK_METHOD(absl::StatusOr<v1::UpdateInvoiceResponse>, UpdateInvoice,
              (CallContext&, const v1::UpdateInvoiceRequest&), (override));
  MOCK_METHOD(absl::StatusOr<v1::GetInvoiceDocumentResponse>,
              GetInvoiceDocument,
              (CallContext&, const v1::GetInvoiceDocumentRequest&), (override));
  MOCK_METHOD(absl::StatusOr<v1::ListInvoiceLineItemsResponse>,
              ListInvoiceLineItems,
              (CallContext&, const v1::ListInvoiceLineItemsRequest&,
               const gateway::PagePosition&),
              (override));
  MOCK_METHOD(absl::StatusOr<v1::GetInvoiceLineItemResponse>,
              GetInvoiceLineItem,
              (CallContext&, const v1::GetInvoiceLineItemRequest&), (override));
  MOCK_METHOD(absl::StatusOr<v1::CreateInvoiceLineItemResponse>,
              CreateInvoiceLineItem,
              (CallContext&, const v1::CreateInvoiceLineItemRequest&),
              (override));
  MOCK_METHOD(absl::StatusOr<v1::UpdateInvoiceLineItemResponse>,
              UpdateInvoiceLineItem,
              (CallContext&, const v1::UpdateInvoiceLineItemRequest&),
              (override));
  MOCK_METHOD(absl::StatusOr<v1::ListBillsResponse>, ListBills,
              (CallContext&, const v1::ListBillsRequest&,
               const gateway::PagePosition&),
              (override));
  MOCK_METHOD(absl::StatusOr<v1::CreateBillResponse>, CreateBill,
              (CallContext&, const v1::CreateBillRequest&), (override));
  MOCK_METHOD(absl::StatusOr<v1::UpdateBillResponse>, UpdateBill,
              (CallContext&, const v1::UpdateBillRequest&), (override));
  MOCK_METHOD(absl::StatusOr<v1::DeleteBillResponse>, DeleteBill,
              (CallContext&, const v1::DeleteBillRequest&), (override));
  MOCK_METHOD(absl::StatusOr<v1::GetBillDocumentResponse>, GetBillDocument,
              (CallContext&, const v1::GetBillDocumentRequest&), (override));
  MOCK_METHOD(absl::StatusOr<v1::ListBillLineItemsResponse>, ListBillLineItems,
              (CallContext&, const v1::ListBillLineItemsRequest&), (override));
  MOCK_METHOD(absl::StatusOr<v1::CreateBillLineItemResponse>,
              CreateBillLineItem,
              (CallContext&, const v1::CreateBillLineItemRequest&), (override));
  MOCK_METHOD(absl::StatusOr<v1::UpdateBillLineItemResponse>,
              UpdateBillLineItem,
              (CallContext&, const v1::UpdateBillLineItemRequest&), (override));
};

}  // namespace maesn::testing

#endif  // MAESN_TESTS_TESTING_MOCK_MAESN_STUB_H_
