#include "gateway/mapping/document_mapping.h"

#include "gateway/mapping/envelope_internal.h"
#include "gateway/mapping/json_proto.h"

namespace maesn::gateway::mapping {

absl::Status ParseDocumentResponse(absl::string_view body,
                                   v1::Document& document,
                                   v1::ResponseMeta& meta) {
  auto env = internal::ParseEnvelope(body);
  if (!env.ok()) return env.status();
  internal::ReadMeta(*env, meta);
  Warnings w(&meta);
  const FieldPath path{nullptr, "document"};
  absl::StatusOr<const nlohmann::json*> single =
      internal::SingleRecord(*env, path, w);
  if (!single.ok()) return single.status();
  const nlohmann::json* obj = *single;
  auto b64 = obj->find("base64Encoded");
  const bool plain =
      b64 != obj->end() && b64->is_boolean() && !b64->get<bool>();
  auto content = obj->find("content");
  if (plain && content != obj->end() && content->is_string()) {
    nlohmann::json rest = *obj;
    rest.erase("content");
    ReadMessage(rest, document, path, w);
    document.set_content(content->get<std::string>());
  } else {
    ReadMessage(*obj, document, path, w);
  }
  return absl::OkStatus();
}

}  // namespace maesn::gateway::mapping
