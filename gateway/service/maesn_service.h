#ifndef MAESN_GATEWAY_SERVICE_MAESN_SERVICE_H_
#define MAESN_GATEWAY_SERVICE_MAESN_SERVICE_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/service_type.h>

#include <memory>

#include "gateway/maesn/maesn_connection.h"
#include "gateway/maesn/rest_binding.h"
#include "gateway/service/call_lifecycle.h"
#include "gateway/watch/watch_hub.h"
#include "google/protobuf/descriptor.h"

namespace maesn::gateway {

// Serves every rpc of one contract service (e.g. maesn.accounting.v1.
// InvoiceService) from the rpcs' bindings, with one generic handler per
// rpc kind: unary Maesn calls (validated, then run on the executor through
// the MaesnConnection), page streams (PageStreamer), WatchTask and WaitTask
// (watch_calls.h, on the WatchHub). No per-rpc code: a new annotated rpc is
// served as it is.
//
// Each rpc is registered with gRPC by its full name as a raw callback
// method (requests and responses as grpc::ByteBuffer, parsed and
// serialized here against the descriptors' generated message types). This
// keeps gRPC's own method routing (an unknown method is UNIMPLEMENTED, each
// method's kind is known to the server, the unary handler gets its request
// without an extra read reaction), which grpc::CallbackGenericService
// would give up: it serves every call as a bidi stream. Holds no state of
// its own; thread-safe. `env`, `table`, `hub` outlive it.
class MaesnService final : public grpc::Service {
 public:
  MaesnService(const ServiceEnvironment& env, const BindingTable& table,
               const google::protobuf::ServiceDescriptor& service,
               std::shared_ptr<MaesnConnection> connection, WatchHub* hub);

 private:
  grpc::ServerUnaryReactor* Unary(const RestBinding& binding,
                                  grpc::CallbackServerContext* context,
                                  const grpc::ByteBuffer* request,
                                  grpc::ByteBuffer* response);
  grpc::ServerWriteReactor<grpc::ByteBuffer>* PageStream(
      const RestBinding& binding, grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request);

  const ServiceEnvironment& env_;
  std::shared_ptr<MaesnConnection> connection_;
  WatchHub* const hub_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVICE_MAESN_SERVICE_H_
