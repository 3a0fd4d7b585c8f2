#include "gateway/mapping/field_path.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/common/errors.h"
#include "gateway/mapping/json_proto_internal.h"
#include "google/rpc/error_details.pb.h"

namespace maesn::gateway::mapping {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

struct Step {
  std::string name;
  std::vector<int64_t> indices;
};

// "lineItems[0].quantity" / "lineItems.0.quantity" -> steps; nullopt when
// the path is malformed.
std::optional<std::vector<Step>> Parse(absl::string_view path) {
  std::vector<Step> steps;
  if (path.empty() || path.size() > 512) return std::nullopt;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    int64_t index = 0;
    if (!steps.empty() && absl::SimpleAtoi(part, &index) && index >= 0) {
      steps.back().indices.push_back(index);  // class-validator style
      continue;
    }
    Step step;
    const auto bracket = part.find('[');
    step.name = std::string(part.substr(0, bracket));
    if (step.name.empty()) return std::nullopt;
    absl::string_view rest =
        bracket == absl::string_view::npos ? "" : part.substr(bracket);
    while (!rest.empty()) {
      const auto close = rest.find(']');
      if (rest[0] != '[' || close == absl::string_view::npos ||
          !absl::SimpleAtoi(rest.substr(1, close - 1), &index) || index < 0) {
        return std::nullopt;
      }
      step.indices.push_back(index);
      rest.remove_prefix(close + 1);
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

bool IsWellKnown(const Descriptor* d) {
  return d->file()->package() == "google.protobuf";
}

const FieldDescriptor* FindField(const Descriptor& d, const std::string& name) {
  if (const FieldDescriptor* f = internal::PropertyField(d, name)) return f;
  if (const FieldDescriptor* f = d.FindFieldByName(name)) return f;
  // "TaxRatePercentage" (docs/maesn-api.md §5.5): Maesn capitalises some names.
  std::string lower = name;
  lower[0] = absl::ascii_tolower(static_cast<unsigned char>(lower[0]));
  return d.FindFieldByCamelcaseName(lower);
}

std::optional<std::string> Resolve(const Descriptor& root,
                                   const std::vector<Step>& steps) {
  const Descriptor* d = &root;
  std::string out;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (d == nullptr) return std::nullopt;
    const FieldDescriptor* f = FindField(*d, steps[i].name);
    if (f == nullptr) return std::nullopt;
    if (!steps[i].indices.empty() &&
        (!f->is_repeated() || steps[i].indices.size() > 1)) {
      return std::nullopt;
    }
    if (!out.empty()) out += '.';
    out += f->name();
    for (int64_t index : steps[i].indices)
      absl::StrAppend(&out, "[", index, "]");
    const bool last = i + 1 == steps.size();
    if (!last) {
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
          IsWellKnown(f->message_type()) || f->is_map()) {
        return std::nullopt;
      }
      d = f->message_type();
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> ProtoPathForMaesnPath(const Descriptor& request,
                                                 absl::string_view maesn_path) {
  auto steps = Parse(maesn_path);
  if (!steps) return std::nullopt;
  for (int i = 0; i < request.field_count(); ++i) {
    const FieldDescriptor* body = request.field(i);
    if (body->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        body->is_repeated() || IsWellKnown(body->message_type())) {
      continue;
    }
    if (auto path = Resolve(*body->message_type(), *steps)) {
      return absl::StrCat(body->name(), ".", *path);
    }
  }
  return Resolve(request, *steps);
}

absl::Status RewriteFieldViolations(absl::Status status,
                                    const google::protobuf::Message& request) {
  auto payload = status.GetPayload(kBadRequestUrl);
  if (!payload.has_value()) return status;
  google::rpc::BadRequest bad;
  if (!bad.ParseFromString(std::string(*payload))) return status;
  bool changed = false;
  for (auto& v : *bad.mutable_field_violations()) {
    if (auto path =
            ProtoPathForMaesnPath(*request.GetDescriptor(), v.field())) {
      if (*path != v.field()) {
        v.set_field(*std::move(path));
        changed = true;
      }
    }
  }
  if (changed)
    status.SetPayload(kBadRequestUrl, absl::Cord(bad.SerializeAsString()));
  return status;
}

}  // namespace maesn::gateway::mapping
