// Prints the gateway's contract as the fidelity check sees it: "rpcs",
// every rpc's Maesn operation as its annotations bind it (with the type of
// what each query parameter is sent from), and "messages", for every message
// of package maesn.accounting.v1, its fields by JSON name with their type,
// and for enum fields the exact strings the gateway sends to and accepts from
// Maesn (mapping/enum_spelling.h) with the proto value each one stands for.
// Used by check_openapi_fidelity.py.
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "gateway/maesn/page_token.h"
#include "gateway/maesn/rest_binding.h"
#include "gateway/mapping/enum_spelling.h"
#include "google/protobuf/descriptor.h"
#include "maesn/accounting/v1/options.pb.h"
#include "maesn_contract.h"

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using Json = nlohmann::ordered_json;

Json Field(const FieldDescriptor& f) {
  Json out = Json::object();
  out["name"] = f.name();
  out["repeated"] = f.is_repeated();
  switch (f.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      out["type"] =
          f.type() == FieldDescriptor::TYPE_BYTES ? "bytes" : "string";
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      out["type"] = "double";
      break;
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      out["type"] = "integer";
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      out["type"] = "bool";
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      out["type"] = "enum";
      out["enum"] = f.enum_type()->full_name();
      // Maesn's spelling of every value but _UNSPECIFIED (which is never
      // sent), and the proto value name behind each spelling.
      Json values = Json::array();
      Json value_names = Json::object();
      for (int i = 0; i < f.enum_type()->value_count(); ++i) {
        const auto& value = *f.enum_type()->value(i);
        const std::string text = maesn::gateway::mapping::EnumToMaesn(
            *f.enum_type(), value.number());
        if (text.empty()) continue;
        values.push_back(text);
        if (!value_names.contains(text)) value_names[text] = value.name();
      }
      out["values"] = std::move(values);
      out["value_names"] = std::move(value_names);
      // Narrowed by the maesn_accepts option: the gateway refuses the
      // other values before sending.
      const auto& accepts = f.options().GetRepeatedExtension(
          maesn::accounting::v1::maesn_accepts);
      if (!accepts.empty()) {
        out["accepts"] =
            Json(std::vector<std::string>(accepts.begin(), accepts.end()));
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      out["type"] = "message";
      out["message"] = f.message_type()->full_name();
      break;
  }
  return out;
}

void AddMessage(const Descriptor& d, Json& out) {
  Json fields = Json::object();
  for (int i = 0; i < d.field_count(); ++i) {
    fields[d.field(i)->json_name()] = Field(*d.field(i));
  }
  out[d.full_name()] = Json::object({{"fields", std::move(fields)}});
  for (int i = 0; i < d.nested_type_count(); ++i) {
    AddMessage(*d.nested_type(i), out);
  }
}

// Every rpc that makes a Maesn request, as its binding says (the same
// BindingTable the gateway builds at start-up).
Json Rpcs(const maesn::gateway::BindingTable& table) {
  Json out = Json::array();
  for (const auto& b : table.bindings()) {
    if (b->kind != maesn::gateway::RpcKind::kUnary) continue;
    std::string path;
    for (const auto& piece : b->path) {
      path += piece.field == nullptr ? piece.literal
                                     : "/{" + piece.field->name() + "}";
    }
    Json query = Json::array();
    if (b->paged) query = Json::array({"page", "limit"});
    for (const auto& q : b->query) query.push_back(q.name);
    // What each query parameter is sent from: a request field, or for a
    // paged list's `page` and `limit` what the gateway computes (a page
    // number from page_token; page_size rounded up to a limit Maesn
    // accepts).
    Json query_fields = Json::array();
    if (b->paged) {
      Json limits = Json::array();
      for (const int limit : maesn::gateway::kMaesnLimits) {
        limits.push_back(limit);
      }
      query_fields.push_back(Json::object(
          {{"name", "page"}, {"from", "page_token"}, {"type", "integer"}}));
      query_fields.push_back(Json::object({{"name", "limit"},
                                           {"from", "page_size"},
                                           {"type", "integer"},
                                           {"values", std::move(limits)}}));
    }
    for (const auto& q : b->query) {
      query_fields.push_back(
          Json::object({{"name", q.name}, {"field", Field(*q.field)}}));
    }
    Json not_sent = Json::array();
    for (const auto* f : b->not_sent) not_sent.push_back(f->json_name());
    out.push_back(Json::object(
        {{"rpc", b->rpc},
         {"operation_id", b->operation_id},
         {"method", b->http_method},
         {"path", path},
         {"query", std::move(query)},
         {"query_fields", std::move(query_fields)},
         {"not_sent", std::move(not_sent)},
         {"response", b->method->output_type()->name()},
         // Empty for MAESN_DATA_TASK_ID: `data` ({taskId}) is carried by
         // the response message itself.
         {"data", b->data_field == nullptr ? "" : b->data_field->name()},
         {"body", b->body == nullptr ? "" : b->body->message_type()->name()},
         {"data_kind", maesn::accounting::v1::MaesnData_Name(b->data)},
         // The response can carry a task id: Maesn may process the
         // operation asynchronously.
         {"task_id", b->data == maesn::accounting::v1::MAESN_DATA_TASK_ID ||
                         b->task_id_field != nullptr}}));
  }
  return out;
}

}  // namespace

int main() {
  Json messages = Json::object();
  for (const FileDescriptor* file : maesn::ContractFiles()) {
    if (file->package() != "maesn.accounting.v1") continue;
    for (int i = 0; i < file->message_type_count(); ++i) {
      AddMessage(*file->message_type(i), messages);
    }
  }
  auto table = maesn::gateway::BindingTable::Build(
      maesn::gateway::BindingTable::ContractServices());
  if (!table.ok()) {
    std::cerr << table.status() << "\n";
    return 1;
  }
  Json out = Json::object();
  out["messages"] = std::move(messages);
  out["rpcs"] = Rpcs(**table);
  std::cout << out.dump(1) << "\n";
  return 0;
}
