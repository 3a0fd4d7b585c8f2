#include "gateway/service/request_validation.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/errors.h"
#include "gateway/mapping/enum_spelling.h"
#include "gateway/mapping/json_proto.h"
#include "gateway/service/validation.h"
#include "google/api/field_behavior.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace maesn::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Collects the field violations of a request body.
class Violations {
 public:
  void Add(std::string field, std::string description) {
    v_.push_back({std::move(field), std::move(description)});
  }
  absl::Status Done() { return InvalidFields(std::move(v_)); }

 private:
  std::vector<FieldViolation> v_;
};

bool IsRequired(const FieldDescriptor& f) {
  const auto& behaviors =
      f.options().GetRepeatedExtension(google::api::field_behavior);
  for (int b : behaviors) {
    if (b == google::api::REQUIRED) return true;
  }
  return false;
}

// A timestamp: RFC 3339 can only carry years 0001 to 9999.
absl::Status CheckTimestamp(const std::string& field,
                            const google::protobuf::Timestamp& ts) {
  if (ts.seconds() < -62135596800 || ts.seconds() > 253402300799 ||
      ts.nanos() < 0 || ts.nanos() > 999999999) {
    return InvalidField(field,
                        "is not a valid timestamp (years 0001 to 9999, nanos "
                        "0 to 999999999)");
  }
  return absl::OkStatus();
}

// A query parameter's value: see the header.
absl::Status CheckQueryField(const Message& m, const FieldDescriptor& f) {
  const Reflection& r = *m.GetReflection();
  const std::string& name = f.name();
  if (f.has_presence() && !r.HasField(m, &f)) return absl::OkStatus();
  switch (f.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return ValidateOptional(name, r.GetString(m, &f));
    case FieldDescriptor::CPPTYPE_INT32:
      if (r.GetInt32(m, &f) < 0)
        return InvalidField(name, "must not be negative");
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_INT64:
      if (r.GetInt64(m, &f) < 0)
        return InvalidField(name, "must not be negative");
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_ENUM: {
      // A filter that is set must name a real value: an explicit
      // _UNSPECIFIED is ambiguous (leave the field unset for "no filter").
      const int number = r.GetEnumValue(m, &f);
      const auto* type = f.enum_type();
      if (number == 0 && f.has_presence()) {
        return InvalidField(
            name,
            absl::StrCat("must not be ", type->FindValueByNumber(0)->name(),
                         " when set; leave it unset for no filter"));
      }
      if (type->FindValueByNumber(number) == nullptr) {
        return InvalidField(
            name, absl::StrCat("unknown ", type->name(), " ", number));
      }
      if (std::string refused = mapping::RefusedEnumValue(f, number);
          !refused.empty()) {
        return InvalidField(name, std::move(refused));
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message& value = r.GetMessage(m, &f);
      if (value.GetDescriptor() == google::protobuf::Timestamp::descriptor()) {
        return CheckTimestamp(
            name, static_cast<const google::protobuf::Timestamp&>(value));
      }
      if (value.GetDescriptor()->full_name() == "google.type.Date") {
        return mapping::CheckCalendarDate(name, value);
      }
      return absl::OkStatus();
    }
    default:
      return absl::OkStatus();
  }
}

// The REQUIRED fields of `m` (at `path`), recursively through the message
// fields that are set. `only` (may be null) limits the top level to the
// fields an update mask names.
void CheckRequired(const Message& m, const std::string& path,
                   const absl::flat_hash_set<std::string>* only,
                   bool top_level_request, Violations& v) {
  const Descriptor& d = *m.GetDescriptor();
  const Reflection& r = *m.GetReflection();
  for (int i = 0; i < d.field_count(); ++i) {
    const FieldDescriptor& f = *d.field(i);
    if (only != nullptr && !only->contains(f.name())) continue;
    const std::string at =
        path.empty() ? f.name() : absl::StrCat(path, ".", f.name());
    if (IsRequired(f)) {
      const bool present =
          f.is_repeated()    ? r.FieldSize(m, &f) > 0
          : f.has_presence() ? r.HasField(m, &f)
          // A required enum's zero value is its _UNSPECIFIED: not a value.
          : f.cpp_type() == FieldDescriptor::CPPTYPE_ENUM
              ? r.GetEnumValue(m, &f) != 0
              : f.cpp_type() != FieldDescriptor::CPPTYPE_STRING ||
                    !r.GetString(m, &f).empty();
      if (!present) {
        v.Add(at, top_level_request ? "is required"
                  : f.is_repeated() ? "is required by Maesn: at least one"
                                    : "is required by Maesn");
        continue;
      }
    }
    if (f.cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f.is_repeated()) {
      for (int j = 0; j < r.FieldSize(m, &f); ++j) {
        CheckRequired(r.GetRepeatedMessage(m, &f, j),
                      absl::StrCat(at, "[", j, "]"), nullptr, false, v);
      }
    } else if (r.HasField(m, &f) && !top_level_request) {
      CheckRequired(r.GetMessage(m, &f), at, nullptr, false, v);
    }
  }
}

// An update mask names top-level fields of `target`, at least one.
void CheckMask(const google::protobuf::FieldMask& mask,
               const Descriptor& target, Violations& v) {
  if (mask.paths().empty()) {
    v.Add("update_mask", absl::StrCat("must name at least one field of ",
                                      target.name(), " to change"));
    return;
  }
  for (int i = 0; i < mask.paths_size(); ++i) {
    const std::string& path = mask.paths(i);
    const std::string field = absl::StrCat("update_mask.paths[", i, "]");
    if (path == "*") {
      v.Add(field,
            "the wildcard is not accepted: name each field to change (an "
            "unset named field is sent as null)");
    } else if (absl::StrContains(path, '.')) {
      v.Add(field, absl::StrCat("\"", path,
                                "\" names a nested field; only "
                                "top-level fields of ",
                                target.name(), " can be named"));
    } else if (target.FindFieldByName(path) == nullptr) {
      v.Add(field,
            absl::StrCat("unknown field \"", path, "\" of ", target.name()));
    }
  }
}

// `empty_fields` names repeated top-level fields of `target`.
void CheckEmptyFields(const google::protobuf::FieldMask& mask,
                      const Descriptor& target, Violations& v) {
  for (int i = 0; i < mask.paths_size(); ++i) {
    const FieldDescriptor* f = target.FindFieldByName(mask.paths(i));
    if (f == nullptr || !f->is_repeated()) {
      v.Add(absl::StrCat("empty_fields.paths[", i, "]"),
            absl::StrCat("\"", mask.paths(i), "\" is not a list of ",
                         target.name(),
                         ": only repeated top-level fields "
                         "can be sent empty"));
    }
  }
}

}  // namespace

absl::Status ValidateRequest(const RestBinding& b, const Message& request) {
  const Reflection& r = *request.GetReflection();
  for (const PathPiece& piece : b.path) {
    if (piece.field == nullptr) continue;
    absl::Status s =
        ValidateId(piece.field->name(), r.GetString(request, piece.field));
    if (!s.ok()) return s;
  }
  for (const QueryParameter& q : b.query) {
    if (absl::Status s = CheckQueryField(request, *q.field); !s.ok()) return s;
  }
  for (const FieldDescriptor* f : b.not_sent) {
    if (absl::Status s = CheckQueryField(request, *f); !s.ok()) return s;
  }
  if (b.paged) {
    if (r.GetInt32(request, b.page_size) < 0) {
      return InvalidField("page_size", "must not be negative");
    }
    if (b.page_number != nullptr && r.GetInt32(request, b.page_number) < 0) {
      return InvalidField("page", "must not be negative");
    }
  }
  Violations v;
  // Required fields of the request itself (the body, ids).
  CheckRequired(request, "", nullptr, /*top_level_request=*/true, v);
  if (b.body != nullptr && r.HasField(request, b.body)) {
    const Message& body = r.GetMessage(request, b.body);
    if (b.update_mask != nullptr) {
      const auto& mask = static_cast<const google::protobuf::FieldMask&>(
          r.GetMessage(request, b.update_mask));
      CheckMask(mask, *b.body->message_type(), v);
      const absl::flat_hash_set<std::string> named(mask.paths().begin(),
                                                   mask.paths().end());
      CheckRequired(body, b.body->name(), &named, false, v);
    } else {
      CheckRequired(body, b.body->name(), nullptr, false, v);
    }
    if (b.empty_fields != nullptr) {
      CheckEmptyFields(static_cast<const google::protobuf::FieldMask&>(
                           r.GetMessage(request, b.empty_fields)),
                       *b.body->message_type(), v);
    }
  } else if (b.update_mask != nullptr) {
    CheckMask(static_cast<const google::protobuf::FieldMask&>(
                  r.GetMessage(request, b.update_mask)),
              *b.body->message_type(), v);
  }
  return v.Done();
}

}  // namespace maesn::gateway
