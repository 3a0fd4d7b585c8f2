#include "gateway/mapping/json_proto.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "gateway/common/errors.h"
#include "gateway/mapping/json_proto_internal.h"
#include "gateway/mapping/text.h"
#include "gateway/mapping/time_format.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"
#include "maesn/accounting/v1/options.pb.h"

namespace maesn::gateway::mapping {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using Json = nlohmann::json;

constexpr std::size_t kMaxRawValue = 200;

// Property names Maesn is known to spell differently from its own spec
// (docs/maesn-api.md §5). An alias is read only when the spec's name is absent.
struct Alias {
  absl::string_view message;  // full proto name
  absl::string_view alias;    // Maesn JSON property seen in the wild
  absl::string_view canonical;
};
constexpr Alias kAliases[] = {
    // docs/maesn-api.md §5.4: docs' GET examples use the singular.
    {"maesn.accounting.v1.Invoice", "lineAmountType", "lineAmountTypes"},
    // docs/maesn-api.md §5.3: newer docs add `id` and deprecate `invoiceId`.
    {"maesn.accounting.v1.Invoice", "id", "invoiceId"},
};

const FieldDescriptor* FindField(const Descriptor& d, const std::string& key,
                                 const Json& object) {
  if (const FieldDescriptor* f = internal::PropertyField(d, key)) return f;
  for (const Alias& a : kAliases) {
    if (a.alias == key && a.message == d.full_name() &&
        !object.contains(std::string(a.canonical))) {
      return d.FindFieldByCamelcaseName(std::string(a.canonical));
    }
  }
  // docs/maesn-api.md §5.5: "TaxRatePercentage" and similar capitalised
  // spellings.
  if (!key.empty() && absl::ascii_isupper(static_cast<unsigned char>(key[0]))) {
    std::string lower = key;
    lower[0] = absl::ascii_tolower(static_cast<unsigned char>(lower[0]));
    if (!object.contains(lower)) return d.FindFieldByCamelcaseName(lower);
  }
  return nullptr;
}

absl::string_view EnumPrefix(const EnumDescriptor& type) {
  const EnumValueDescriptor* zero = type.FindValueByNumber(0);
  if (zero == nullptr) return {};
  absl::string_view name = zero->name();
  constexpr absl::string_view kUnspecified = "UNSPECIFIED";
  if (name.size() >= kUnspecified.size() &&
      name.substr(name.size() - kUnspecified.size()) == kUnspecified) {
    return name.substr(0, name.size() - kUnspecified.size());
  }
  return {};
}

absl::string_view MaesnSpelling(const EnumValueDescriptor& v,
                                absl::string_view prefix) {
  const std::string& custom = v.options().GetExtension(v1::maesn_value);
  if (!custom.empty()) return custom;
  absl::string_view name = v.name();
  if (name.substr(0, prefix.size()) == prefix)
    name.remove_prefix(prefix.size());
  return name;
}

void SetDate(Message& date, const CalendarDate& d) {
  const Reflection* r = date.GetReflection();
  const Descriptor* desc = date.GetDescriptor();
  r->SetInt32(&date, desc->FindFieldByNumber(1), d.year);
  r->SetInt32(&date, desc->FindFieldByNumber(2), d.month);
  r->SetInt32(&date, desc->FindFieldByNumber(3), d.day);
}

void SetTime(Message& ts, absl::Time t) {
  const Reflection* r = ts.GetReflection();
  const Descriptor* d = ts.GetDescriptor();
  // Seconds rounded down and the nanoseconds after them, for any year
  // (nanoseconds since 1970 would overflow beyond 2262).
  const int64_t secs = absl::ToUnixSeconds(t);
  const int64_t frac =
      absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(secs));
  r->SetInt64(&ts, d->FindFieldByNumber(1), secs);
  r->SetInt32(&ts, d->FindFieldByNumber(2), static_cast<int32_t>(frac));
}

std::optional<double> AsDouble(const Json& j) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    double d = 0;
    if (absl::SimpleAtod(j.get_ref<const std::string&>(), &d) &&
        std::isfinite(d)) {
      return d;
    }
  }
  return std::nullopt;
}

std::optional<int64_t> AsInt(const Json& j) {
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_number_unsigned()) {
    const uint64_t u = j.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<int64_t>(u);
  }
  if (j.is_number_float()) {
    const double d = j.get<double>();
    if (std::trunc(d) == d && std::fabs(d) < 9.2e18) {
      return static_cast<int64_t>(d);
    }
    return std::nullopt;
  }
  if (j.is_string()) {
    int64_t v = 0;
    if (absl::SimpleAtoi(j.get_ref<const std::string&>(), &v)) return v;
  }
  return std::nullopt;
}

std::optional<bool> AsBool(const Json& j) {
  if (j.is_boolean()) return j.get<bool>();
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    if (s == "true") return true;
    if (s == "false") return false;
  }
  return std::nullopt;
}

std::optional<std::string> AsString(const Json& j) {
  if (j.is_string()) return j.get<std::string>();
  // Lossless: an id or code Maesn sent as a number keeps its digits.
  if (j.is_number()) return j.dump();
  if (j.is_boolean()) return j.get<bool>() ? "true" : "false";
  return std::nullopt;
}

bool IsWellKnown(const Descriptor* d, absl::string_view name) {
  return d->full_name() == name;
}

// Reads one JSON value into a singular field (repeated == false) or appends
// it to a repeated field.
void ReadValue(const Json& j, Message& m, const FieldDescriptor& f,
               bool repeated, const FieldPath& path, Warnings& w) {
  const Reflection* r = m.GetReflection();
  switch (f.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::optional<std::string> s;
      if (f.type() == FieldDescriptor::TYPE_BYTES) {
        std::string decoded;
        if (j.is_string() &&
            absl::Base64Unescape(j.get_ref<const std::string&>(), &decoded)) {
          s = std::move(decoded);
        }
      } else {
        s = AsString(j);
      }
      if (!s) return w.Add(path, j, "expected a string");
      return repeated ? r->AddString(&m, &f, *std::move(s))
                      : r->SetString(&m, &f, *std::move(s));
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      auto d = AsDouble(j);
      if (!d) return w.Add(path, j, "expected a number");
      if (f.cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
        const auto v = static_cast<float>(*d);
        return repeated ? r->AddFloat(&m, &f, v) : r->SetFloat(&m, &f, v);
      }
      return repeated ? r->AddDouble(&m, &f, *d) : r->SetDouble(&m, &f, *d);
    }
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_UINT64:
    case FieldDescriptor::CPPTYPE_UINT32: {
      auto v = AsInt(j);
      if (!v) return w.Add(path, j, "expected a whole number");
      switch (f.cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT64:
          return repeated ? r->AddInt64(&m, &f, *v) : r->SetInt64(&m, &f, *v);
        case FieldDescriptor::CPPTYPE_INT32:
          if (*v < std::numeric_limits<int32_t>::min() ||
              *v > std::numeric_limits<int32_t>::max()) {
            return w.Add(path, j, "number out of range");
          }
          return repeated ? r->AddInt32(&m, &f, static_cast<int32_t>(*v))
                          : r->SetInt32(&m, &f, static_cast<int32_t>(*v));
        default:
          if (*v < 0) return w.Add(path, j, "expected a non-negative number");
          if (f.cpp_type() == FieldDescriptor::CPPTYPE_UINT64) {
            const auto u = static_cast<uint64_t>(*v);
            return repeated ? r->AddUInt64(&m, &f, u) : r->SetUInt64(&m, &f, u);
          }
          if (*v > std::numeric_limits<uint32_t>::max()) {
            return w.Add(path, j, "number out of range");
          }
          return repeated ? r->AddUInt32(&m, &f, static_cast<uint32_t>(*v))
                          : r->SetUInt32(&m, &f, static_cast<uint32_t>(*v));
      }
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      auto b = AsBool(j);
      if (!b) return w.Add(path, j, "expected true or false");
      return repeated ? r->AddBool(&m, &f, *b) : r->SetBool(&m, &f, *b);
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      int number = -1;
      if (j.is_string()) {
        number = EnumFromMaesn(*f.enum_type(), j.get_ref<const std::string&>());
      }
      if (number < 0) {
        w.Add(path, j,
              absl::StrCat("not a known ", f.enum_type()->name(), " value"));
        number = 0;  // UNSPECIFIED, present: "Maesn sent something else"
      }
      return repeated ? r->AddEnumValue(&m, &f, number)
                      : r->SetEnumValue(&m, &f, number);
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Descriptor* d = f.message_type();
      if (IsWellKnown(d, "google.protobuf.Timestamp")) {
        std::optional<absl::Time> t;
        if (j.is_string()) t = ParseMaesnTime(j.get_ref<const std::string&>());
        if (!t) return w.Add(path, j, "not a readable date or date-time");
        if (!InTimestampRange(*t)) {
          return w.Add(path, j, "date outside the years 0001 to 9999");
        }
        Message* ts =
            repeated ? r->AddMessage(&m, &f) : r->MutableMessage(&m, &f);
        return SetTime(*ts, *t);
      }
      if (IsWellKnown(d, "google.type.Date")) {
        std::optional<CalendarDate> date;
        if (j.is_string())
          date = ParseMaesnDate(j.get_ref<const std::string&>());
        if (!date) return w.Add(path, j, "not a readable date or date-time");
        Message* out =
            repeated ? r->AddMessage(&m, &f) : r->MutableMessage(&m, &f);
        return SetDate(*out, *date);
      }
      if (IsWellKnown(d, "google.protobuf.Value")) {
        google::protobuf::Value v;
        JsonToValue(j, v);
        Message* out =
            repeated ? r->AddMessage(&m, &f) : r->MutableMessage(&m, &f);
        out->CopyFrom(v);
        return;
      }
      if (IsWellKnown(d, "google.protobuf.Struct")) {
        if (!j.is_object()) return w.Add(path, j, "expected an object");
        google::protobuf::Value v;
        JsonToValue(j, v);
        Message* out =
            repeated ? r->AddMessage(&m, &f) : r->MutableMessage(&m, &f);
        out->CopyFrom(v.struct_value());
        return;
      }
      const Json* obj = &j;
      // Tolerance: a one-element array where an object is expected.
      if (j.is_array() && j.size() == 1 && j[0].is_object()) obj = &j[0];
      if (!obj->is_object()) return w.Add(path, j, "expected an object");
      Message* sub =
          repeated ? r->AddMessage(&m, &f) : r->MutableMessage(&m, &f);
      return ReadMessage(*obj, *sub, path, w);
    }
  }
}

absl::Status WriteValue(const Message& m, const FieldDescriptor& f, int index,
                        const std::string& path, Json& out) {
  const Reflection* r = m.GetReflection();
  const bool rep = index >= 0;
  switch (f.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string s =
          rep ? r->GetRepeatedString(m, &f, index) : r->GetString(m, &f);
      out = f.type() == FieldDescriptor::TYPE_BYTES ? absl::Base64Escape(s)
                                                    : std::move(s);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double d = 0;
      if (f.cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
        d = rep ? r->GetRepeatedDouble(m, &f, index) : r->GetDouble(m, &f);
      } else {
        d = rep ? r->GetRepeatedFloat(m, &f, index) : r->GetFloat(m, &f);
      }
      if (!std::isfinite(d))
        return InvalidField(path, "must be a finite number");
      out = d;
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64:
      out = rep ? r->GetRepeatedInt64(m, &f, index) : r->GetInt64(m, &f);
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_INT32:
      out = rep ? r->GetRepeatedInt32(m, &f, index) : r->GetInt32(m, &f);
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_UINT64:
      out = rep ? r->GetRepeatedUInt64(m, &f, index) : r->GetUInt64(m, &f);
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_UINT32:
      out = rep ? r->GetRepeatedUInt32(m, &f, index) : r->GetUInt32(m, &f);
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_BOOL:
      out = rep ? r->GetRepeatedBool(m, &f, index) : r->GetBool(m, &f);
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number =
          rep ? r->GetRepeatedEnumValue(m, &f, index) : r->GetEnumValue(m, &f);
      absl::StatusOr<std::string> text = EnumToSend(f, number, path);
      if (!text.ok()) return text.status();
      out = *std::move(text);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message& sub =
          rep ? r->GetRepeatedMessage(m, &f, index) : r->GetMessage(m, &f);
      const Descriptor* d = f.message_type();
      if (IsWellKnown(d, "google.protobuf.Timestamp")) {
        const Reflection* tr = sub.GetReflection();
        const int64_t secs = tr->GetInt64(sub, d->FindFieldByNumber(1));
        const int32_t nanos = tr->GetInt32(sub, d->FindFieldByNumber(2));
        // RFC 3339 range: 0001-01-01 to 9999-12-31.
        if (secs < -62135596800 || secs > 253402300799 || nanos < 0 ||
            nanos > 999999999) {
          return InvalidField(path, "timestamp out of range");
        }
        out = FormatMaesnTime(absl::FromUnixSeconds(secs) +
                              absl::Nanoseconds(nanos));
        return absl::OkStatus();
      }
      if (IsWellKnown(d, "google.type.Date")) {
        if (absl::Status s = CheckCalendarDate(path, sub); !s.ok()) return s;
        out = FormatMaesnDateTime(GetDate(sub));
        return absl::OkStatus();
      }
      if (IsWellKnown(d, "google.protobuf.Value")) {
        google::protobuf::Value v;
        v.CopyFrom(sub);
        out = ValueToJson(v);
        return absl::OkStatus();
      }
      if (IsWellKnown(d, "google.protobuf.Struct")) {
        google::protobuf::Struct s;
        s.CopyFrom(sub);
        out = StructToJson(s);
        return absl::OkStatus();
      }
      return WriteMessage(sub, path, out);
    }
  }
  return absl::OkStatus();
}

}  // namespace

CalendarDate GetDate(const Message& date) {
  const Reflection* r = date.GetReflection();
  const Descriptor* d = date.GetDescriptor();
  return CalendarDate{r->GetInt32(date, d->FindFieldByNumber(1)),
                      r->GetInt32(date, d->FindFieldByNumber(2)),
                      r->GetInt32(date, d->FindFieldByNumber(3))};
}

absl::Status CheckCalendarDate(const std::string& field, const Message& date) {
  const CalendarDate d = GetDate(date);
  if (IsValidDate(d.year, d.month, d.day)) return absl::OkStatus();
  return InvalidField(field,
                      "must be a full calendar date (year 1 to 9999, month "
                      "and day set and valid)");
}

std::string FieldPath::ToString() const {
  std::string parent_str = parent != nullptr ? parent->ToString() : "";
  std::string out = parent_str;
  if (!name.empty()) {
    if (!out.empty()) out += ".";
    absl::StrAppend(&out, name);
  }
  if (index >= 0) absl::StrAppend(&out, "[", index, "]");
  return out;
}

void Warnings::Add(const FieldPath& path, const Json& raw,
                   absl::string_view message) {
  if (meta_ == nullptr) return;
  auto* w = meta_->add_mapping_warnings();
  w->set_field(path.ToString());
  const std::string text =
      raw.is_string()
          ? raw.get<std::string>()
          : raw.dump(-1, ' ', false, Json::error_handler_t::replace);
  w->set_raw_value(SanitizeText(text, kMaxRawValue));
  w->set_message(std::string(message));
}

void ReadMessage(const Json& json, Message& message, const FieldPath& path,
                 Warnings& warnings) {
  if (!json.is_object()) {
    warnings.Add(path, json, "expected an object");
    return;
  }
  const Descriptor& d = *message.GetDescriptor();
  for (auto it = json.begin(); it != json.end(); ++it) {
    if (it->is_null()) continue;  // null means absent
    const FieldDescriptor* f = FindField(d, it.key(), json);
    if (f == nullptr) continue;  // unknown properties are ignored
    const FieldPath fp{&path, f->name()};
    if (!f->is_repeated()) {
      ReadValue(*it, message, *f, false, fp, warnings);
      continue;
    }
    if (it->is_array()) {
      int i = 0;
      for (const auto& e : *it) {
        const FieldPath ep{&path, f->name(), i++};
        if (e.is_null()) continue;
        ReadValue(e, message, *f, true, ep, warnings);
      }
    } else {
      // Tolerance: one value where an array is expected (docs/maesn-api.md
      // §5.2).
      const FieldPath ep{&path, f->name(), 0};
      ReadValue(*it, message, *f, true, ep, warnings);
    }
  }
}

absl::Status WriteMessage(const Message& message, const std::string& path,
                          Json& out, const WriteOptions& options) {
  out = Json::object();
  const Reflection* r = message.GetReflection();
  const Descriptor* d = message.GetDescriptor();
  std::vector<const FieldDescriptor*> fields;
  if (options.only_fields == nullptr) {
    r->ListFields(message, &fields);
    if (options.send_empty != nullptr) {
      for (const std::string& name : *options.send_empty) {
        const FieldDescriptor* f = d->FindFieldByName(name);
        if (f == nullptr || !f->is_repeated()) {
          return InvalidField(
              path.empty() ? name : absl::StrCat(path, ".", name),
              absl::StrCat("is not a repeated field of ", d->name(),
                           ": only lists can be sent empty"));
        }
        if (r->FieldSize(message, f) == 0) fields.push_back(f);
      }
      std::sort(fields.begin(), fields.end(),
                [](const FieldDescriptor* a, const FieldDescriptor* b) {
                  return a->number() < b->number();
                });
    }
  } else {
    for (const std::string& name : *options.only_fields) {
      const FieldDescriptor* f = d->FindFieldByName(name);
      if (f == nullptr) {
        return InvalidField(path.empty() ? name : absl::StrCat(path, ".", name),
                            absl::StrCat("no such field in ", d->name()));
      }
      fields.push_back(f);
    }
    // Field-number order, so the body does not depend on the set's order.
    std::sort(fields.begin(), fields.end(),
              [](const FieldDescriptor* a, const FieldDescriptor* b) {
                return a->number() < b->number();
              });
  }
  for (const FieldDescriptor* f : fields) {
    const std::string field_path =
        path.empty() ? f->name() : absl::StrCat(path, ".", f->name());
    Json& slot = out[f->camelcase_name()];
    if (f->is_repeated()) {
      const int n = r->FieldSize(message, f);
      if (n == 0 && options.only_fields != nullptr) continue;  // stays null
      slot = Json::array();
      for (int i = 0; i < n; ++i) {
        Json e;
        absl::Status s = WriteValue(message, *f, i,
                                    absl::StrCat(field_path, "[", i, "]"), e);
        if (!s.ok()) return s;
        slot.push_back(std::move(e));
      }
    } else if (!r->HasField(message, f)) {
      continue;  // named by only_fields but unset: stays null
    } else {
      absl::Status s = WriteValue(message, *f, -1, field_path, slot);
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

namespace {

void JsonToValueAt(const Json& j, google::protobuf::Value& v, int depth);

}  // namespace

void JsonToValue(const Json& j, google::protobuf::Value& v) {
  JsonToValueAt(j, v, 0);
}

namespace {

void JsonToValueAt(const Json& j, google::protobuf::Value& v, int depth) {
  if ((j.is_array() || j.is_object()) && depth >= kMaxValueDepth) {
    v.set_string_value(j.dump(-1, ' ', false, Json::error_handler_t::replace));
    return;
  }
  switch (j.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      v.set_null_value(google::protobuf::NULL_VALUE);
      return;
    case Json::value_t::boolean:
      v.set_bool_value(j.get<bool>());
      return;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      v.set_number_value(j.get<double>());
      return;
    case Json::value_t::string:
      v.set_string_value(j.get<std::string>());
      return;
    case Json::value_t::binary:
      v.set_null_value(google::protobuf::NULL_VALUE);
      return;
    case Json::value_t::array: {
      auto* list = v.mutable_list_value();
      for (const auto& e : j) JsonToValueAt(e, *list->add_values(), depth + 1);
      return;
    }
    case Json::value_t::object: {
      auto* fields = v.mutable_struct_value()->mutable_fields();
      for (auto it = j.begin(); it != j.end(); ++it) {
        JsonToValueAt(it.value(), (*fields)[it.key()], depth + 1);
      }
      return;
    }
  }
}

}  // namespace

Json ValueToJson(const google::protobuf::Value& v) {
  switch (v.kind_case()) {
    case google::protobuf::Value::kBoolValue:
      return v.bool_value();
    case google::protobuf::Value::kNumberValue:
      return std::isfinite(v.number_value()) ? Json(v.number_value()) : Json();
    case google::protobuf::Value::kStringValue:
      return v.string_value();
    case google::protobuf::Value::kListValue: {
      Json a = Json::array();
      for (const auto& e : v.list_value().values()) a.push_back(ValueToJson(e));
      return a;
    }
    case google::protobuf::Value::kStructValue:
      return StructToJson(v.struct_value());
    default:
      return nullptr;
  }
}

Json StructToJson(const google::protobuf::Struct& s) {
  Json o = Json::object();
  for (const auto& [k, v] : s.fields()) o[k] = ValueToJson(v);
  return o;
}

std::string EnumToMaesn(const EnumDescriptor& type, int number) {
  if (number == 0) return {};
  const EnumValueDescriptor* v = type.FindValueByNumber(number);
  if (v == nullptr) return {};
  return std::string(MaesnSpelling(*v, EnumPrefix(type)));
}

absl::StatusOr<std::string> EnumToSend(const FieldDescriptor& field, int number,
                                       const std::string& path) {
  std::string text = EnumToMaesn(*field.enum_type(), number);
  if (text.empty()) {
    return InvalidField(
        path, number == 0 ? "must not be UNSPECIFIED when set"
                          : absl::StrCat("unknown enum value ", number));
  }
  if (std::string refused = RefusedEnumValue(field, number); !refused.empty()) {
    return InvalidField(path, std::move(refused));
  }
  return text;
}

std::string RefusedEnumValue(const FieldDescriptor& field, int number) {
  const auto& accepted =
      field.options().GetRepeatedExtension(v1::maesn_accepts);
  if (accepted.empty() || field.enum_type() == nullptr) return {};
  const std::string text = EnumToMaesn(*field.enum_type(), number);
  for (const std::string& a : accepted) {
    if (a == text) return {};
  }
  const EnumValueDescriptor* v = field.enum_type()->FindValueByNumber(number);
  return absl::StrCat(v != nullptr ? v->name() : absl::StrCat(number),
                      " is not accepted here: Maesn accepts only ",
                      absl::StrJoin(accepted, ", "));
}

int EnumFromMaesn(const EnumDescriptor& type, absl::string_view text) {
  const absl::string_view prefix = EnumPrefix(type);
  for (int pass = 0; pass < 2; ++pass) {
    std::string upper;
    absl::string_view want = text;
    if (pass == 1) {
      upper = absl::AsciiStrToUpper(text);
      if (upper == text) break;
      want = upper;
    }
    for (int i = 0; i < type.value_count(); ++i) {
      const EnumValueDescriptor* v = type.value(i);
      if (v->number() == 0) continue;
      if (MaesnSpelling(*v, prefix) == want) return v->number();
      // Also accept the contract's own spelling (e.g. SERVICE_PERIOD).
      absl::string_view name = v->name();
      if (name.size() > prefix.size() && name.substr(prefix.size()) == want) {
        return v->number();
      }
    }
  }
  return -1;
}

namespace internal {

void ReadFieldValue(const Json& json, Message& message,
                    const FieldDescriptor& field, bool repeated,
                    const FieldPath& path, Warnings& warnings) {
  ReadValue(json, message, field, repeated, path, warnings);
}

absl::string_view AliasedProperty(const Descriptor& message,
                                  absl::string_view key) {
  for (const Alias& a : kAliases) {
    if (a.alias == key && a.message == message.full_name()) {
      return a.canonical;
    }
  }
  return {};
}

}  // namespace internal
namespace internal {

const FieldDescriptor* PropertyField(const Descriptor& message,
                                     const std::string& key) {
  for (int i = 0; i < message.field_count(); ++i) {
    const FieldDescriptor* f = message.field(i);
    if (f->has_json_name() && f->json_name() == key) return f;
  }
  return message.FindFieldByCamelcaseName(key);
}

}  // namespace internal

}  // namespace maesn::gateway::mapping
