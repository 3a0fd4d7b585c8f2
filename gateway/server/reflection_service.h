#ifndef MAESN_GATEWAY_SERVER_REFLECTION_SERVICE_H_
#define MAESN_GATEWAY_SERVER_REFLECTION_SERVICE_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace maesn::gateway {

// What server reflection describes: a pool of file descriptors that keep
// their source info (the proto comments), and the services the server
// offers. Immutable once built; thread-safe to read.
class ReflectionCatalog {
 public:
  // From a serialized FileDescriptorSet (protoc --include_imports
  // --include_source_info), files in dependency order.
  static absl::StatusOr<std::unique_ptr<ReflectionCatalog>> FromDescriptorSet(
      absl::string_view serialized, std::vector<std::string> services);
  // From the descriptor set embedded in the gateway at build time.
  static absl::StatusOr<std::unique_ptr<ReflectionCatalog>> Embedded(
      std::vector<std::string> services);

  const std::vector<std::string>& services() const { return services_; }
  const google::protobuf::DescriptorPool& pool() const { return pool_; }
  // The file as compiled (with source info), or null.
  const google::protobuf::FileDescriptorProto* File(
      const std::string& name) const;

 private:
  ReflectionCatalog() = default;

  google::protobuf::DescriptorPool pool_;
  std::map<std::string, google::protobuf::FileDescriptorProto> files_;
  std::vector<std::string> services_;
};

// grpc.reflection.v1.ServerReflection over a catalog (which must outlive
// the service). Every request is answered from memory, without blocking.
class ReflectionServiceV1 final
    : public grpc::reflection::v1::ServerReflection::CallbackService {
 public:
  explicit ReflectionServiceV1(const ReflectionCatalog* catalog)
      : catalog_(catalog) {}
  grpc::ServerBidiReactor<grpc::reflection::v1::ServerReflectionRequest,
                          grpc::reflection::v1::ServerReflectionResponse>*
  ServerReflectionInfo(grpc::CallbackServerContext* context) override;

 private:
  const ReflectionCatalog* const catalog_;
};

// The same for grpc.reflection.v1alpha (older clients).
class ReflectionServiceV1Alpha final
    : public grpc::reflection::v1alpha::ServerReflection::CallbackService {
 public:
  explicit ReflectionServiceV1Alpha(const ReflectionCatalog* catalog)
      : catalog_(catalog) {}
  grpc::ServerBidiReactor<grpc::reflection::v1alpha::ServerReflectionRequest,
                          grpc::reflection::v1alpha::ServerReflectionResponse>*
  ServerReflectionInfo(grpc::CallbackServerContext* context) override;

 private:
  const ReflectionCatalog* const catalog_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVER_REFLECTION_SERVICE_H_
