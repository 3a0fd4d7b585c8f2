#include "gateway/service/validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/errors.h"
#include "gateway/mapping/text.h"

namespace maesn::gateway {

absl::Status ValidateOptional(absl::string_view field,
                              absl::string_view value) {
  if (value.empty()) return absl::OkStatus();
  return ValidateId(field, value);
}

absl::Status ValidateId(absl::string_view field, absl::string_view value) {
  if (value.empty()) return InvalidField(field, "must not be empty");
  if (absl::StripAsciiWhitespace(value).empty()) {
    return InvalidField(field, "must not be only whitespace");
  }
  if (value.size() > kMaxIdLength) {
    return InvalidField(
        field, absl::StrCat("must be at most ", kMaxIdLength, " bytes long"));
  }
  if (!mapping::IsValidUtf8(value))
    return InvalidField(field, "must be valid UTF-8");
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      return InvalidField(field, "must not contain control characters");
    }
  }
  if (value == "." || value == "..") {
    return InvalidField(field, "must not be \".\" or \"..\"");
  }
  return absl::OkStatus();
}

}  // namespace maesn::gateway
