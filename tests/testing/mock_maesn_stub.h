#ifndef MAESN_TESTS_TESTING_MOCK_MAESN_STUB_H_
#define MAESN_TESTS_TESTING_MOCK_MAESN_STUB_H_

#include <gmock/gmock.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/maesn/maesn_connection.h"
#include "gateway/maesn/maesn_stub.h"
#include "gateway/maesn/rest_binding.h"
#include "google/protobuf/message.h"
#include "maesn/accounting/v1/bill.pb.h"
#include "maesn/accounting/v1/invoice.pb.h"
#include "maesn/accounting/v1/task.pb.h"

namespace maesn::testing {

namespace v1 = ::maesn::accounting::v1;
using ::maesn::gateway::CallContext;

// gMock of our own MaesnStub interface (never of httplib).
class MockMaesnStub : public gateway::MaesnStub {
 public:
  MOCK_METHOD(absl::Status, Call,
              (CallContext&, const gateway::RestBinding&,
               const google::protobuf::Message&, const gateway::PagePosition*,
               google::protobuf::Message&),
              (override));
};

// The contract's bindings, built once.
inline const gateway::BindingTable& Bindings() {
  static const gateway::BindingTable* table = [] {
    auto built =
        gateway::BindingTable::Build(gateway::BindingTable::ContractServices());
    return built.ok() ? built->release() : nullptr;
  }();
  return *table;
}

// The binding of the rpc whose request type is `request`'s.
inline const gateway::RestBinding& BindingFor(
    const google::protobuf::Descriptor* request) {
  for (const auto& b : Bindings().bindings()) {
    if (b->method->input_type() == request) return *b;
  }
  ADD_FAILURE() << "no rpc takes " << request->full_name();
  return *Bindings().bindings().front();
}

// The binding of the rpc named `name` (e.g. "GetInvoice").
inline const gateway::RestBinding& BindingNamed(const std::string& name) {
  for (const auto& b : Bindings().bindings()) {
    if (b->method->name() == name) return *b;
  }
  ADD_FAILURE() << "no rpc named " << name;
  return *Bindings().bindings().front();
}

// Matches the binding of the rpc named `name`.
MATCHER_P(Rpc, name, "") { return arg.method->name() == name; }

// Answers a MockMaesnStub::Call with `response` (copied into the output).
ACTION_P(Answer, response) {
  arg4.CopyFrom(response);
  return absl::OkStatus();
}

// One MaesnConnection call with typed request and response: the rpc is the
// one whose request type is Request.
template <typename Response, typename Request>
absl::StatusOr<Response> Invoke(gateway::MaesnConnection& connection,
                                CallContext& call, const Request& request) {
  Response response;
  absl::Status s = connection.Call(call, BindingFor(Request::descriptor()),
                                   request, response);
  if (!s.ok()) return s;
  return response;
}

}  // namespace maesn::testing

#endif  // MAESN_TESTS_TESTING_MOCK_MAESN_STUB_H_
