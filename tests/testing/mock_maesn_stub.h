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
};

}  // namespace maesn::testing

#endif  // MAESN_TESTS_TESTING_MOCK_MAESN_STUB_H_
