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

// One unary call's state, shared by the gRPC reaction and the executor.
struct UnaryCall {
  UnaryCall(const ServiceEnvironment& env, const RestBinding& b)
      : lifecycle(env, b.rpc, /*server_stream=*/false),
        request(New(b.method->input_type())),
        response(New(b.method->output_type())) {}
  CallLifecycle lifecycle;
  CallContext call;
  std::unique_ptr<Message> request;
  std::unique_ptr<Message> response;
};

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
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto state = std::make_shared<UnaryCall>(env_, b);
  absl::Status setup = state->lifecycle.Begin(context, state->call);
  if (setup.ok()) setup = ParseRequest(*request, *state->request);
  if (setup.ok()) setup = ValidateRequest(b, *state->request);
  if (!setup.ok()) {
    reactor->Finish(state->lifecycle.End(context, setup, state->call));
    return reactor;
  }
  auto run = [state, &b, context, reactor, response,
              connection = connection_]() {
    absl::Status status =
        connection->Call(state->call, b, *state->request, *state->response);
    if (status.ok()) *response = ToByteBuffer(*state->response);
    reactor->Finish(state->lifecycle.End(context, status, state->call));
  };
  if (!env_.executor->Submit(std::move(run))) {
    reactor->Finish(
        state->lifecycle.End(context, OverloadedError(), state->call));
  }
  return reactor;
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
                          CallContext& call) -> absl::StatusOr<StreamPage> {
    std::unique_ptr<Message> page = New(list.method->output_type());
    absl::Status status = connection->Call(call, list, *list_request, *page);
    if (!status.ok()) return status;
    const auto& r = *page->GetReflection();
    const std::string next = r.GetString(*page, list.next_page_token);
    const int32_t total = r.GetInt32(*page, list.total_size);
    list_request->GetReflection()->SetString(list_request.get(),
                                             list.page_token, next);
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
          record, r.MutableRepeatedMessage(page.get(), list.data_field, i));
      if (i == 0) {
        Message* meta = mr.MutableMessage(message.get(), b.stream_meta);
        meta->GetReflection()->Swap(
            meta, r.MutableMessage(page.get(), list.meta_field));
      }
      if (b.stream_total_size != nullptr) {
        mr.SetInt32(message.get(), b.stream_total_size, total);
      }
      out.messages.push_back(message->SerializeAsString());
    }
    return out;
  };
  return PageStreamer::Start(env_, context, b.rpc, std::move(validation),
                             std::move(fetch));
}

}  // namespace maesn::gateway
