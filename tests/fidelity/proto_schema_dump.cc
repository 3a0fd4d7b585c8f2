// Prints the gateway's contract as the fidelity check sees it: for every
// message of package maesn.accounting.v1, its fields by JSON name with
// their type, and for enum fields the exact strings the gateway sends to
// and accepts from Maesn (mapping/enum_spelling.h). Used by
// check_openapi_fidelity.py.
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "gateway/mapping/enum_spelling.h"
#include "google/protobuf/descriptor.h"
#include "maesn/accounting/v1/bill.pb.h"
#include "maesn/accounting/v1/common.pb.h"
#include "maesn/accounting/v1/invoice.pb.h"
#include "maesn/accounting/v1/task.pb.h"

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
      Json values = Json::array();
      for (int i = 0; i < f.enum_type()->value_count(); ++i) {
        const int number = f.enum_type()->value(i)->number();
        const std::string text =
            maesn::gateway::mapping::EnumToMaesn(*f.enum_type(), number);
        if (!text.empty()) values.push_back(text);
      }
      out["values"] = std::move(values);
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

}  // namespace

int main() {
  Json out = Json::object();
  for (const FileDescriptor* file :
       {maesn::accounting::v1::Invoice::descriptor()->file(),
        maesn::accounting::v1::Bill::descriptor()->file(),
        maesn::accounting::v1::Task::descriptor()->file(),
        maesn::accounting::v1::Address::descriptor()->file()}) {
    for (int i = 0; i < file->message_type_count(); ++i) {
      AddMessage(*file->message_type(i), out);
    }
  }
  std::cout << out.dump(1) << "\n";
  return 0;
}
