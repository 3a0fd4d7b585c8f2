#include "gateway/service/maesn_service.h"

#include <grpcpp/impl/codegen/server_callback_handlers.h>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "gateway/service/page_streamer.h"
#include "gateway/service/request_validation.h"
#include "gateway/service/watch_calls.h"
#include "gateway/service/wire.h"
#include "google/protobuf/message.h"

namespace maesn::gateway {
namespace {

using google::protobuf::Message;
using google::protobuf::MessageFactory;

std::unique_ptr<Message> New(const google::protobuf::Descriptor* type) {
  return std::unique_ptr<Message>(
      MessageFactory::generated_factory()->GetPrototype(type)->New());
}

grpc::internal::RpcMethod::RpcType TypeOf(const RestBinding& b) {
  return b.method->server_streaming()
             ? grpc::internal::RpcMethod::SERVER_STREAMING
             : grpc::internal::RpcMethod::NORMAL_RPC;
}

// One unary call: validated on the gRPC thread, then run through the
// MaesnConnection without holding any thread until Maesn answers. The
// client going away cancels the request (or the wait before a retry) at
// once. Deletes itself when gRPC is done with it.
class UnaryCall final : public grpc::ServerUnaryReactor {
 public:
  UnaryCall(const ServiceEnvironment& env, const RestBinding& b,
            grpc::CallbackServerContext* context, grpc::ByteBuffer* response)
      : env_(env),
        binding_(b),
        context_(context),
        wire_response_(response),
        lifecycle_(env, b.rpc, /*server_stream=*/false),
        request_(New(b.method->input_type())),
        response_(New(b.method->output_type())) {}

  void Start(const grpc::ByteBuffer& request, MaesnConnection& connection) {
    absl::Status setup = lifecycle_.Begin(context_, call_);
    if (setup.ok()) setup = ParseRequest(request, *request_);
    if (setup.ok()) setup = ValidateRequest(binding_, *request_);
    if (setup.ok() && env_.upstream_limit != nullptr &&
        !env_.upstream_limit->TryAcquire()) {
      setup = OverloadedError();
    }
    if (!setup.ok()) {
      Finish(lifecycle_.End(context_, setup, call_));
      return;
    }
    call_.cancel = std::make_shared<CancelSource>();
    connection.AsyncCall(call_, binding_, *request_, *response_,
                         [this](absl::Status status) { End(status); });
  }

  void OnCancel() override {
    if (call_.cancel != nullptr) call_.cancel->Cancel();
  }
  void OnDone() override { delete this; }
  // Both reactions are trivial: OnDone deletes this, and OnCancel only
  // hands the cancellation to the transport (CancelSource's hook posts it
  // to the event loop); neither blocks nor calls into gRPC. So gRPC may run
  // them where the call completes instead of waking its executor thread
  // for every call (one thread hand-off less per call; measured in
  // BENCHMARKS.md i4.). gRPC 1.51 marks this hook as internal; its own
  // default reactor uses it the same way.
  bool InternalInlineable() override { return true; }

 private:
  void End(const absl::Status& status) {
    if (env_.upstream_limit != nullptr) env_.upstream_limit->Release();
    if (status.ok()) *wire_response_ = ToByteBuffer(*response_);
    Finish(lifecycle_.End(context_, status, call_));  // the last touch
  }

  const ServiceEnvironment& env_;
  const RestBinding& binding_;
  grpc::CallbackServerContext* const context_;
  grpc::ByteBuffer* const wire_response_;
  CallLifecycle lifecycle_;
  CallContext call_;
  std::unique_ptr<Message> request_;
  std::unique_ptr<Message> response_;
};

// The records of one list page as stream messages; moves the list request
// on to the next page.
StreamPage ToStreamPage(const RestBinding& b, const RestBinding& list,
                        Message& list_request, Message& page_message) {
  Message* page = &page_message;
  const auto& r = *page->GetReflection();
  const std::string next = r.GetString(*page, list.next_page_token);
  const int32_t total = r.GetInt32(*page, list.total_size);
  list_request.GetReflection()->SetString(&list_request, list.page_token, next);
  StreamPage out;
  out.last = next.empty();
  const int n = r.FieldSize(*page, list.data_field);
  out.messages.reserve(static_cast<std::size_t>(n));
  std::unique_ptr<Message> message = New(b.method->output_type());
  const auto& mr = *message->GetReflection();
  for (int i = 0; i < n; ++i) {
    message->Clear();
    Message* record = mr.MutableMessage(message.get(), b.stream_record);
    record->GetReflection()->Swap(
        record, r.MutableRepeatedMessage(page, list.data_field, i));
    if (i == 0) {
      Message* meta = mr.MutableMessage(message.get(), b.stream_meta);
      meta->GetReflection()->Swap(meta,
                                  r.MutableMessage(page, list.meta_field));
    }
    if (b.stream_total_size != nullptr) {
      mr.SetInt32(message.get(), b.stream_total_size, total);
    }
    out.messages.push_back(message->SerializeAsString());
  }
  return out;
}

}  // namespace

MaesnService::MaesnService(const ServiceEnvironment& env,
                           const BindingTable& table,
                           const google::protobuf::ServiceDescriptor& service,
                           std::shared_ptr<MaesnConnection> connection,
                           WatchHub* hub)
    : env_(env), connection_(std::move(connection)), hub_(hub) {
  for (int i = 0; i < service.method_count(); ++i) {
    const RestBinding& b = *table.Find("/" + service.full_name() + "/" +
                                       service.method(i)->name());
    AddMethod(new grpc::internal::RpcServiceMethod(b.rpc.c_str(), TypeOf(b),
                                                   nullptr));
    grpc::internal::MethodHandler* handler = nullptr;
    switch (b.kind) {
      case RpcKind::kUnary:
        handler = new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer,
                                                           grpc::ByteBuffer>(
            [this, &b](grpc::CallbackServerContext* context,
                       const grpc::ByteBuffer* request,
                       grpc::ByteBuffer* response) {
              return Unary(b, context, request, response);
            });
        break;
      case RpcKind::kPageStream:
        handler = new grpc::internal::CallbackServerStreamingHandler<
            grpc::ByteBuffer, grpc::ByteBuffer>(
            [this, &b](grpc::CallbackServerContext* context,
                       const grpc::ByteBuffer* request) {
              return PageStream(b, context, request);
            });
        break;
      case RpcKind::kWatch:
        handler = new grpc::internal::CallbackServerStreamingHandler<
            grpc::ByteBuffer, grpc::ByteBuffer>(
            [this, &b](grpc::CallbackServerContext* context,
                       const grpc::ByteBuffer* request) {
              return StartWatchTask(env_, b, hub_, context, request);
            });
        break;
      case RpcKind::kWait:
        handler = new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer,
                                                           grpc::ByteBuffer>(
            [this, &b](grpc::CallbackServerContext* context,
                       const grpc::ByteBuffer* request,
                       grpc::ByteBuffer* response) {
              return StartWaitTask(env_, b, hub_, context, request, response);
            });
        break;
    }
    MarkMethodRawCallback(i, handler);
  }
}

grpc::ServerUnaryReactor* MaesnService::Unary(
    const RestBinding& b, grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  auto* call = new UnaryCall(env_, b, context, response);
  call->Start(*request, *connection_);
  return call;
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* MaesnService::PageStream(
    const RestBinding& b, grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* request) {
  const RestBinding& list = *b.list;
  // The stream request has the list request's fields and numbers except
  // page_token, so its wire form (unknown fields dropped, so that no
  // page_token can be smuggled in) is a list request on page 1.
  std::unique_ptr<Message> stream_request = New(b.method->input_type());
  std::shared_ptr<Message> list_request = New(list.method->input_type());
  absl::Status validation = ParseRequest(*request, *stream_request);
  if (validation.ok()) {
    stream_request->DiscardUnknownFields();
    list_request->ParseFromString(stream_request->SerializeAsString());
    validation = ValidateRequest(list, *list_request);
  }
  PageFetcher fetch = [connection = connection_, &b, &list, list_request](
                          CallContext& call, PageDone done) {
    std::shared_ptr<Message> page = New(list.method->output_type());
    Message& into = *page;
    connection->AsyncCall(
        call, list, *list_request, into,
        [&b, &list, list_request, page = std::move(page),
         done = std::move(done)](absl::Status status) mutable {
          if (!status.ok()) {
            std::move(done)(std::move(status));
            return;
          }
          std::move(done)(ToStreamPage(b, list, *list_request, *page));
        });
  };
  return PageStreamer::Start(env_, context, b.rpc, std::move(validation),
                             std::move(fetch));
}

}  // namespace maesn::gateway
