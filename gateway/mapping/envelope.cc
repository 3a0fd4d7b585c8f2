#include "gateway/mapping/envelope.h"

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/common/errors.h"
#include "gateway/mapping/envelope_internal.h"
#include "gateway/mapping/json_proto.h"
#include "gateway/mapping/json_stream_reader.h"
#include "google/protobuf/descriptor.h"

namespace maesn::gateway::mapping {

using Json = nlohmann::json;

namespace internal {

absl::Status InvalidResponse(absl::string_view what) {
  return WithErrorInfo(
      absl::InternalError(absl::StrCat("Maesn's response is unusable: ", what)),
      "INVALID_UPSTREAM_RESPONSE");
}

bool NestedDeeperThan(absl::string_view body, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

absl::StatusOr<Json> ParseEnvelope(absl::string_view body) {
  if (NestedDeeperThan(body, kMaxJsonNesting)) {
    return InvalidResponse(absl::StrCat("it is nested more than ",
                                        kMaxJsonNesting, " levels deep"));
  }
  Json j = Json::parse(body.begin(), body.end(), nullptr,
                       /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidResponse("the body is not valid JSON");
  if (!j.is_object()) return InvalidResponse("the body is not a JSON object");
  return j;
}

std::string JsonText(const Json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_array()) {
    std::vector<std::string> parts;
    for (const auto& e : j) parts.push_back(JsonText(e));
    return absl::StrJoin(parts, "; ");
  }
  if (j.is_null()) return {};
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

namespace {

std::string Compact(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// The first of `keys` that `object` holds as a non-null value, as text.
std::string FirstText(const Json& object,
                      std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    auto it = object.find(key);
    if (it != object.end() && !it->is_null()) return JsonText(*it);
  }
  return {};
}

bool HasAny(const Json& object, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (object.contains(key)) return true;
  }
  return false;
}

constexpr std::initializer_list<const char*> kMessageKeys = {
    "message", "description", "error", "detail", "title"};
constexpr std::initializer_list<const char*> kFieldKeys = {"property", "field",
                                                           "path"};
constexpr std::initializer_list<const char*> kCodeKeys = {"code", "type"};

void AddError(const Json& entry, v1::ResponseMeta& meta) {
  v1::MaesnError& e = *meta.add_errors();
  e.set_raw_json(Compact(entry));
  if (!entry.is_object()) {
    e.set_message(JsonText(entry));
    return;
  }
  e.set_message(FirstText(entry, kMessageKeys));
  e.set_field(FirstText(entry, kFieldKeys));
  e.set_code(FirstText(entry, kCodeKeys));
}

// Maesn `errors` of the envelope: see v1::MaesnError.
void ReadErrors(const Json& envelope, v1::ResponseMeta& meta) {
  auto it = envelope.find("errors");
  if (it == envelope.end() || it->is_null()) return;
  const Json& errors = *it;
  if (errors.is_array()) {
    for (const Json& entry : errors) {
      if (!entry.is_null()) AddError(entry, meta);
    }
  } else if (errors.is_object() && !errors.empty() &&
             !HasAny(errors, kMessageKeys) && !HasAny(errors, kFieldKeys) &&
             !HasAny(errors, kCodeKeys)) {
    // {"field": "message", ...}: one error per field.
    for (auto e = errors.begin(); e != errors.end(); ++e) {
      v1::MaesnError& out = *meta.add_errors();
      out.set_field(e.key());
      out.set_message(JsonText(e.value()));
      out.set_raw_json(Compact(Json{{e.key(), e.value()}}));
    }
  } else if (!errors.is_object() || !errors.empty()) {
    AddError(errors, meta);
  }
}

}  // namespace

void ReadMeta(const Json& envelope, v1::ResponseMeta& meta) {
  ReadErrors(envelope, meta);
  auto it = envelope.find("meta");
  if (it == envelope.end() || !it->is_object()) return;
  Warnings w(&meta);
  const FieldPath path{nullptr, "meta"};
  // warnings + pagination are read by the generic mapper: the proto field
  // names match Maesn's MetaResponse. mapping_warnings is ours, never read.
  Json copy = Json::object();
  if (auto ws = it->find("warnings"); ws != it->end()) copy["warnings"] = *ws;
  if (auto p = it->find("pagination"); p != it->end()) copy["pagination"] = *p;
  ReadMessage(copy, meta, path, w);
}

}  // namespace internal

namespace {

void ReadRaw(const Json& envelope, google::protobuf::Value* raw) {
  if (raw == nullptr) return;
  auto it = envelope.find("rawData");
  if (it == envelope.end() || it->is_null()) return;
  JsonToValue(*it, *raw);
}

}  // namespace

absl::Status ParseRecordResponse(absl::string_view body,
                                 google::protobuf::Message& record,
                                 v1::ResponseMeta& meta,
                                 google::protobuf::Struct* raw_data,
                                 absl::string_view record_path) {
  // The fast path reads the common documents without building a JSON tree
  // and gives exactly what the tree reader gives; anything else is read by
  // the tree reader, which also refuses documents nested too deeply (the
  // fast path keeps rawData as a tree, and trees are written out
  // recursively).
  if (!internal::NestedDeeperThan(body, internal::kMaxJsonNesting) &&
      internal::StreamRecordResponse(body, record, meta, raw_data,
                                     record_path)) {
    return absl::OkStatus();
  }
  return internal::ParseRecordResponseTree(body, record, meta, raw_data,
                                           record_path);
}

absl::StatusOr<const Json*> internal::SingleRecord(const Json& envelope,
                                                   const FieldPath& path,
                                                   Warnings& w) {
  auto data = envelope.find("data");
  if (data == envelope.end() || data->is_null()) {
    return internal::InvalidResponse("it has no `data`");
  }
  const Json* obj = &*data;
  if (data->is_array()) {
    // docs/maesn-api.md §5.1: the bill-by-id example wraps the record in an
    // array.
    if (data->empty()) {
      return WithErrorInfo(
          absl::NotFoundError("Maesn returned no record (empty `data`)"),
          "UPSTREAM_NOT_FOUND");
    }
    if (data->size() > 1) {
      w.Add(path, Json(data->size()),
            "Maesn returned several records for one id; the first is used");
    }
    obj = &(*data)[0];
  }
  if (!obj->is_object()) {
    return internal::InvalidResponse("`data` is not an object");
  }
  return obj;
}

absl::Status internal::ParseRecordResponseTree(
    absl::string_view body, google::protobuf::Message& record,
    v1::ResponseMeta& meta, google::protobuf::Struct* raw_data,
    absl::string_view record_path) {
  auto env = internal::ParseEnvelope(body);
  if (!env.ok()) return env.status();
  internal::ReadMeta(*env, meta);
  Warnings w(&meta);
  const FieldPath path{nullptr, record_path};
  absl::StatusOr<const Json*> single = internal::SingleRecord(*env, path, w);
  if (!single.ok()) return single.status();
  const Json* obj = *single;
  ReadMessage(*obj, record, path, w);
  if (raw_data != nullptr) {
    google::protobuf::Value raw;
    ReadRaw(*env, &raw);
    if (raw.has_struct_value()) {
      *raw_data = std::move(*raw.mutable_struct_value());
    } else if (raw.kind_case() != google::protobuf::Value::KIND_NOT_SET) {
      (*raw_data->mutable_fields())["value"] = std::move(raw);
    }
  }
  return absl::OkStatus();
}

absl::Status ParseListResponse(absl::string_view body,
                               google::protobuf::Message& response,
                               absl::string_view records_field,
                               v1::ResponseMeta& meta,
                               google::protobuf::Value* raw_data) {
  auto env = internal::ParseEnvelope(body);
  if (!env.ok()) return env.status();
  internal::ReadMeta(*env, meta);
  ReadRaw(*env, raw_data);
  const google::protobuf::FieldDescriptor* f =
      response.GetDescriptor()->FindFieldByName(std::string(records_field));
  if (f == nullptr || !f->is_repeated() ||
      f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
    return absl::InternalError(
        absl::StrCat("no repeated message field ", records_field));
  }
  auto data = env->find("data");
  if (data == env->end() || data->is_null()) return absl::OkStatus();
  Warnings w(&meta);
  const google::protobuf::Reflection* r = response.GetReflection();
  auto read_one = [&](const Json& e, int i) {
    const FieldPath path{nullptr, records_field, i};
    if (!e.is_object()) {
      w.Add(path, e, "expected an object");
      return;
    }
    ReadMessage(e, *r->AddMessage(&response, f), path, w);
  };
  if (data->is_array()) {
    int i = 0;
    for (const auto& e : *data) read_one(e, i++);
  } else if (data->is_object()) {
    // An asynchronous answer ({"taskId": ...} alone) holds no record: its
    // task id is the response's task_id (async_answer.h). A record that
    // has a taskId property among others (expenses, transactions) is read.
    if (!(data->size() == 1 && data->contains("taskId"))) read_one(*data, 0);
  } else {
    return internal::InvalidResponse("`data` is not a list");
  }
  return absl::OkStatus();
}

absl::Status ParseStringResponse(absl::string_view body, std::string* result,
                                 bool* has_result, v1::ResponseMeta& meta) {
  *has_result = false;
  auto env = internal::ParseEnvelope(body);
  if (!env.ok()) return env.status();
  internal::ReadMeta(*env, meta);
  auto data = env->find("data");
  if (data == env->end() || data->is_null()) return absl::OkStatus();
  *has_result = true;
  *result = data->is_string() ? data->get<std::string>() : data->dump();
  return absl::OkStatus();
}

absl::Status ParseUntypedResponse(
    absl::string_view body, google::protobuf::Message& response,
    const google::protobuf::FieldDescriptor& field, v1::ResponseMeta& meta) {
  auto env = internal::ParseEnvelope(body);
  if (!env.ok()) return env.status();
  internal::ReadMeta(*env, meta);
  auto data = env->find("data");
  if (data == env->end() || data->is_null()) return absl::OkStatus();
  google::protobuf::Value value;
  JsonToValue(*data, value);
  google::protobuf::Message* out =
      response.GetReflection()->MutableMessage(&response, &field);
  if (out->GetDescriptor() == google::protobuf::Value::descriptor()) {
    out->CopyFrom(value);
  } else if (value.has_struct_value()) {
    out->CopyFrom(value.struct_value());
  } else {
    Warnings w(&meta);
    w.Add(FieldPath{nullptr, field.name()}, *data, "expected an object");
    response.GetReflection()->ClearField(&response, &field);
  }
  return absl::OkStatus();
}

}  // namespace maesn::gateway::mapping
