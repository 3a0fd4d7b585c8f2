#ifndef MAESN_GATEWAY_SERVICE_STATUS_INTERCEPTOR_H_
#define MAESN_GATEWAY_SERVICE_STATUS_INTERCEPTOR_H_

#include <grpcpp/support/server_interceptor.h>

#include <string>

namespace maesn::gateway {

// The error model's guarantees for every RPC of the server (unary and
// streaming, every service, also statuses that gRPC itself or a handler
// produced without service/grpc_status.h):
//  - a request message gRPC could not parse (for example a proto3 string
//    field holding invalid UTF-8), which gRPC C++ 1.51 answers with a bare
//    UNIMPLEMENTED and an empty message, becomes INVALID_ARGUMENT, reason
//    INVALID_REQUEST_MESSAGE, with a message that says so;
//  - a non-OK status without google.rpc.Status details gets an ErrorInfo
//    (reason from the code, the gateway's domain);
//  - the caller's x-api-key and x-account-key and the configured API key
//    are cut out of the status message and details, and metadata entries
//    carrying one are dropped from the initial and trailing metadata.
// Never blocks. The factory is thread-safe; the server owns it.
class StatusInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `configured_api_key` (MAESN_API_KEY) may be empty.
  explicit StatusInterceptorFactory(std::string configured_api_key)
      : configured_api_key_(std::move(configured_api_key)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  const std::string configured_api_key_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVICE_STATUS_INTERCEPTOR_H_
