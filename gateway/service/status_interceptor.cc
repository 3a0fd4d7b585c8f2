#include "gateway/service/status_interceptor.h"

#include <map>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "gateway/common/call_context.h"
#include "gateway/common/errors.h"
#include "gateway/service/grpc_status.h"
#include "gateway/service/wire.h"

namespace maesn::gateway {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::InterceptorBatchMethods;
using grpc::experimental::ServerRpcInfo;

class StatusInterceptor final : public grpc::experimental::Interceptor {
 public:
  StatusInterceptor(ServerRpcInfo::Type type, const std::string& api_key)
      : type_(type) {
    keys_.api_key = api_key;
  }

  void Intercept(InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      ReadKeys(*methods->GetRecvInitialMetadata());
      // For a call with one request message gRPC reports the message with
      // the metadata: null when it could not be parsed, absent when none
      // came.
      if (type_ == ServerRpcInfo::Type::UNARY ||
          type_ == ServerRpcInfo::Type::SERVER_STREAMING) {
        unparsed_ = !methods->QueryInterceptionHookPoint(
                        InterceptionHookPoints::POST_RECV_MESSAGE) ||
                    methods->GetRecvMessage() == nullptr;
      }
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      Scrub(methods->GetSendInitialMetadata());
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      if (!status.ok()) methods->ModifySendStatus(Fix(status));
      Scrub(methods->GetSendTrailingMetadata());
    }
    methods->Proceed();
  }

 private:
  void ReadKeys(
      const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
    for (const auto& [k, v] : metadata) {
      const absl::string_view key(k.data(), k.size());
      if (key == "x-account-key") {
        caller_account_key_.assign(v.data(), v.size());
      } else if (key == "x-api-key") {
        caller_api_key_.assign(v.data(), v.size());
      }
    }
  }

  bool HasKey(absl::string_view text) const {
    for (const std::string* key :
         {&keys_.api_key, &caller_api_key_, &caller_account_key_}) {
      if (!key->empty() && absl::StrContains(text, *key)) return true;
    }
    return false;
  }

  void Scrub(std::multimap<std::string, std::string>* metadata) const {
    if (metadata == nullptr) return;
    for (auto it = metadata->begin(); it != metadata->end();) {
      it = HasKey(it->second) || HasKey(it->first) ? metadata->erase(it)
                                                   : std::next(it);
    }
  }

  grpc::Status Fix(const grpc::Status& status) const {
    // gRPC 1.51's callback server answers a request it could not parse
    // with a bare UNIMPLEMENTED (older paths: INTERNAL), which misleads.
    if (unparsed_ && status.error_details().empty() &&
        (status.error_code() == grpc::StatusCode::UNIMPLEMENTED ||
         status.error_code() == grpc::StatusCode::INTERNAL)) {
      return ToGrpcStatus(UnparsableRequestError(""));
    }
    if (!status.error_details().empty() && !HasKey(status.error_message()) &&
        !HasKey(status.error_details())) {
      return status;  // already complete and clean: the common case
    }
    // Both steps of ToGrpcStatus: a default ErrorInfo and redaction, for
    // each of the keys this call could leak.
    grpc::Status out = status;
    for (const std::string* key : {&caller_api_key_, &caller_account_key_}) {
      Credentials one{keys_.api_key, *key};
      out = ToGrpcStatus(FromGrpcStatus(out), &one);
    }
    return out;
  }

  const ServerRpcInfo::Type type_;
  Credentials keys_;  // only api_key: the configured one
  std::string caller_api_key_;
  std::string caller_account_key_;
  bool unparsed_ = false;
};

}  // namespace

grpc::experimental::Interceptor*
StatusInterceptorFactory::CreateServerInterceptor(ServerRpcInfo* info) {
  return new StatusInterceptor(info->type(), configured_api_key_);
}

}  // namespace maesn::gateway
