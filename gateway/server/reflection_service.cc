#include "gateway/server/reflection_service.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"

namespace maesn::gen {
extern const unsigned char kMaesnDescriptorSet[];
extern const std::size_t kMaesnDescriptorSetSize;
}  // namespace maesn::gen

namespace maesn::gateway {
namespace {

namespace pb = ::google::protobuf;

// Serialized FileDescriptorProto of `name`: from the catalog (with comments)
// or, failing that, from the descriptors linked into the binary.
bool SerializedFile(const ReflectionCatalog& catalog, const std::string& name,
                    std::string* out, std::vector<std::string>* deps) {
  if (const pb::FileDescriptorProto* f = catalog.File(name); f != nullptr) {
    deps->assign(f->dependency().begin(), f->dependency().end());
    return f->SerializeToString(out);
  }
  const pb::FileDescriptor* fd =
      pb::DescriptorPool::generated_pool()->FindFileByName(name);
  if (fd == nullptr) return false;
  pb::FileDescriptorProto proto;
  fd->CopyTo(&proto);
  deps->assign(proto.dependency().begin(), proto.dependency().end());
  return proto.SerializeToString(out);
}

template <typename Response>
void Error(Response& resp, grpc::StatusCode code, std::string message) {
  auto* e = resp.mutable_error_response();
  e->set_error_code(code);
  e->set_error_message(std::move(message));
}

// Answers with `name` and every file it imports, transitively (what the
// reference implementations send, so a client can build the descriptors
// without further requests).
template <typename Response>
void SendFileAndDeps(const ReflectionCatalog& catalog, const std::string& name,
                     Response& resp) {
  std::set<std::string> seen;
  std::vector<std::string> todo = {name};
  auto* files = resp.mutable_file_descriptor_response();
  while (!todo.empty()) {
    std::string next = std::move(todo.back());
    todo.pop_back();
    if (!seen.insert(next).second) continue;
    std::string bytes;
    std::vector<std::string> deps;
    if (!SerializedFile(catalog, next, &bytes, &deps)) {
      resp.clear_file_descriptor_response();
      Error(resp, grpc::StatusCode::NOT_FOUND,
            absl::StrCat("file not found: ", next.substr(0, 200)));
      return;
    }
    files->add_file_descriptor_proto(std::move(bytes));
    for (auto& d : deps) todo.push_back(std::move(d));
  }
}

// Symbol -> file name, looking at the catalog first.
std::string FileOfSymbol(const ReflectionCatalog& catalog,
                         const std::string& symbol) {
  for (const pb::DescriptorPool* pool :
       {&catalog.pool(), pb::DescriptorPool::generated_pool()}) {
    if (const pb::FileDescriptor* f = pool->FindFileContainingSymbol(symbol);
        f != nullptr) {
      return f->name();
    }
  }
  return "";
}

template <typename Request, typename Response>
void Answer(const ReflectionCatalog& catalog, const Request& req,
            Response& resp) {
  resp.set_valid_host(req.host());
  *resp.mutable_original_request() = req;
  const pb::DescriptorPool& pool = catalog.pool();
  switch (req.message_request_case()) {
    case Request::kFileByFilename:
      SendFileAndDeps(catalog, req.file_by_filename(), resp);
      return;
    case Request::kFileContainingSymbol: {
      const std::string file =
          FileOfSymbol(catalog, req.file_containing_symbol());
      if (file.empty()) {
        Error(resp, grpc::StatusCode::NOT_FOUND,
              absl::StrCat("symbol not found: ",
                           req.file_containing_symbol().substr(0, 200)));
        return;
      }
      SendFileAndDeps(catalog, file, resp);
      return;
    }
    case Request::kFileContainingExtension: {
      const auto& ext = req.file_containing_extension();
      const pb::Descriptor* type =
          pool.FindMessageTypeByName(ext.containing_type());
      const pb::FieldDescriptor* field =
          type == nullptr
              ? nullptr
              : pool.FindExtensionByNumber(type, ext.extension_number());
      if (field == nullptr) {
        Error(resp, grpc::StatusCode::NOT_FOUND,
              absl::StrCat("extension ", ext.extension_number(), " of ",
                           ext.containing_type().substr(0, 200), " not found"));
        return;
      }
      SendFileAndDeps(catalog, field->file()->name(), resp);
      return;
    }
    case Request::kAllExtensionNumbersOfType: {
      const pb::Descriptor* type =
          pool.FindMessageTypeByName(req.all_extension_numbers_of_type());
      if (type == nullptr) {
        Error(resp, grpc::StatusCode::NOT_FOUND,
              absl::StrCat("type not found: ",
                           req.all_extension_numbers_of_type().substr(0, 200)));
        return;
      }
      std::vector<const pb::FieldDescriptor*> exts;
      pool.FindAllExtensions(type, &exts);
      auto* out = resp.mutable_all_extension_numbers_response();
      out->set_base_type_name(type->full_name());
      for (const auto* f : exts) out->add_extension_number(f->number());
      return;
    }
    case Request::kListServices: {
      auto* out = resp.mutable_list_services_response();
      for (const auto& s : catalog.services()) out->add_service()->set_name(s);
      return;
    }
    default:
      Error(resp, grpc::StatusCode::INVALID_ARGUMENT,
            "the reflection request names no question");
      return;
  }
}

// One reflection stream: read a request, write its answer, repeat until the
// client half-closes.
template <typename Request, typename Response>
class ReflectionReactor final
    : public grpc::ServerBidiReactor<Request, Response> {
 public:
  explicit ReflectionReactor(const ReflectionCatalog* catalog)
      : catalog_(catalog) {
    this->StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      this->Finish(grpc::Status::OK);
      return;
    }
    response_.Clear();
    Answer(*catalog_, request_, response_);
    this->StartWrite(&response_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      this->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                "the reflection stream broke"));
      return;
    }
    this->StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  const ReflectionCatalog* const catalog_;
  Request request_;
  Response response_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ReflectionCatalog>>
ReflectionCatalog::FromDescriptorSet(absl::string_view serialized,
                                     std::vector<std::string> services) {
  pb::FileDescriptorSet set;
  if (!set.ParseFromArray(serialized.data(),
                          static_cast<int>(serialized.size()))) {
    return absl::InternalError("the embedded descriptor set is corrupt");
  }
  std::unique_ptr<ReflectionCatalog> c(new ReflectionCatalog());
  for (const auto& file : set.file()) {
    if (c->pool_.BuildFile(file) == nullptr) {
      return absl::InternalError(
          absl::StrCat("descriptor ", file.name(), " does not build"));
    }
    c->files_.emplace(file.name(), file);
  }
  c->services_ = std::move(services);
  return c;
}

absl::StatusOr<std::unique_ptr<ReflectionCatalog>> ReflectionCatalog::Embedded(
    std::vector<std::string> services) {
  return FromDescriptorSet(
      absl::string_view(reinterpret_cast<const char*>(gen::kMaesnDescriptorSet),
                        gen::kMaesnDescriptorSetSize),
      std::move(services));
}

const pb::FileDescriptorProto* ReflectionCatalog::File(
    const std::string& name) const {
  auto it = files_.find(name);
  return it == files_.end() ? nullptr : &it->second;
}

grpc::ServerBidiReactor<grpc::reflection::v1::ServerReflectionRequest,
                        grpc::reflection::v1::ServerReflectionResponse>*
ReflectionServiceV1::ServerReflectionInfo(
    grpc::CallbackServerContext* /*context*/) {
  return new ReflectionReactor<grpc::reflection::v1::ServerReflectionRequest,
                               grpc::reflection::v1::ServerReflectionResponse>(
      catalog_);
}

grpc::ServerBidiReactor<grpc::reflection::v1alpha::ServerReflectionRequest,
                        grpc::reflection::v1alpha::ServerReflectionResponse>*
ReflectionServiceV1Alpha::ServerReflectionInfo(
    grpc::CallbackServerContext* /*context*/) {
  return new ReflectionReactor<
      grpc::reflection::v1alpha::ServerReflectionRequest,
      grpc::reflection::v1alpha::ServerReflectionResponse>(catalog_);
}

}  // namespace maesn::gateway
