#ifndef MAESN_GATEWAY_SERVICE_VALIDATED_CALL_H_
#define MAESN_GATEWAY_SERVICE_VALIDATED_CALL_H_

#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/maesn/maesn_connection.h"
#include "gateway/service/request_validation.h"
#include "gateway/service/unary_call.h"

namespace maesn::gateway {

// A unary RPC that checks its request (request_validation.h) and then makes
// one MaesnConnection call, all on the executor via RunUnary. `method` is a
// MaesnConnection member function taking (CallContext&, const Request&).
template <typename Response, typename Request, typename Method>
grpc::ServerUnaryReactor* RunValidatedUnary(
    const ServiceEnvironment& env, grpc::CallbackServerContext* context,
    absl::string_view rpc_name, const Request* request, Response* response,
    std::shared_ptr<MaesnConnection> connection, Method method) {
  return RunUnary(env, context, rpc_name, response,
                  [connection = std::move(connection), request,
                   method](CallContext& call) -> absl::StatusOr<Response> {
                    if (absl::Status s = ValidateRequest(*request); !s.ok())
                      return s;
                    return ((*connection).*method)(call, *request);
                  });
}

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVICE_VALIDATED_CALL_H_
