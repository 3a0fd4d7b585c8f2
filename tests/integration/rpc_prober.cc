#include "tests/integration/rpc_prober.h"

#include <grpcpp/generic/generic_stub.h>

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "gateway/maesn/rest_binding.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "maesn/accounting/v1/bill.pb.h"
#include "maesn/accounting/v1/invoice.pb.h"
#include "maesn/accounting/v1/task.pb.h"

namespace maesn::testing {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;

void FillIds(Message& m, const std::string& id, int depth) {
  if (depth > 4) return;
  const Descriptor* d = m.GetDescriptor();
  const auto* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) continue;
    if (f->type() == FieldDescriptor::TYPE_STRING && f->name().size() > 3 &&
        f->name().compare(f->name().size() - 3, 3, "_id") == 0) {
      r->SetString(&m, f, id);
    } else if (f->type() == FieldDescriptor::TYPE_MESSAGE &&
               f->message_type()->file()->package() != "google.protobuf") {
      FillIds(*r->MutableMessage(&m, f), id, depth + 1);
    }
  }
}

std::vector<std::pair<std::string, std::string>> Copy(
    const std::multimap<grpc::string_ref, grpc::string_ref>& md) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : md) {
    out.emplace_back(std::string(k.data(), k.size()),
                     std::string(v.data(), v.size()));
  }
  return out;
}

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const auto& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

// A server-streaming call over the generic (bidi) API: one request, then
// every response until the server ends the call.
class StreamCall final
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  StreamCall(grpc::GenericStub& stub, grpc::ClientContext* ctx,
             const std::string& method, const std::string& request) {
    grpc::Slice slice(request);
    request_ = grpc::ByteBuffer(&slice, 1);
    stub.PrepareBidiStreamingCall(ctx, method, grpc::StubOptions(), this);
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&response_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    responses_.push_back(ToString(response_));
    StartRead(&response_);
  }
  void OnDone(const grpc::Status& s) override {
    status_ = s;
    done_.Notify();
  }
  grpc::Status Wait() {
    done_.WaitForNotification();
    return status_;
  }
  std::vector<std::string> responses_;

 private:
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  grpc::Status status_;
  absl::Notification done_;
};

}  // namespace

std::vector<const MethodDescriptor*> AllGatewayMethods() {
  std::vector<const MethodDescriptor*> out;
  const auto services = gateway::BindingTable::ContractServices();
  // The contract has services, each with rpcs: a prober that found none
  // would pass while probing nothing.
  EXPECT_FALSE(services.empty()) << "no contract service found";
  for (const auto* service : services) {
    EXPECT_GT(service->method_count(), 0) << service->full_name();
    for (int i = 0; i < service->method_count(); ++i) {
      out.push_back(service->method(i));
    }
  }
  return out;
}

std::string ProbeRequest(const MethodDescriptor& method,
                         const std::string& id) {
  const Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(
          method.input_type());
  std::unique_ptr<Message> request(prototype->New());
  FillIds(*request, id, 0);
  return request->SerializeAsString();
}

std::string ProbeResult::AllText() const {
  std::string out = absl::StrCat(method, "\n", status.error_message(), "\n",
                                 status.error_details(), "\n");
  for (const auto* md : {&initial_metadata, &trailing_metadata}) {
    for (const auto& [k, v] : *md) absl::StrAppend(&out, k, ": ", v, "\n");
  }
  absl::StrAppend(&out, absl::StrJoin(responses, "\n"));
  return out;
}

ProbeResult Probe(
    const std::shared_ptr<grpc::Channel>& channel,
    const MethodDescriptor& method, const std::string& request,
    const std::vector<std::pair<std::string, std::string>>& metadata,
    absl::Duration timeout) {
  ProbeResult result;
  result.method =
      absl::StrCat("/", method.service()->full_name(), "/", method.name());
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  for (const auto& [k, v] : metadata) ctx.AddMetadata(k, v);
  ctx.set_deadline(std::chrono::system_clock::now() +
                   absl::ToChronoMilliseconds(timeout));
  if (method.server_streaming()) {
    StreamCall call(stub, &ctx, result.method, request);
    result.status = call.Wait();
    result.responses = std::move(call.responses_);
  } else {
    grpc::Slice slice(request);
    grpc::ByteBuffer req(&slice, 1);
    grpc::ByteBuffer resp;
    absl::Notification done;
    stub.UnaryCall(&ctx, result.method, grpc::StubOptions(), &req, &resp,
                   [&](grpc::Status s) {
                     result.status = std::move(s);
                     done.Notify();
                   });
    done.WaitForNotification();
    if (result.status.ok()) result.responses.push_back(ToString(resp));
  }
  result.initial_metadata = Copy(ctx.GetServerInitialMetadata());
  result.trailing_metadata = Copy(ctx.GetServerTrailingMetadata());
  return result;
}

}  // namespace maesn::testing
