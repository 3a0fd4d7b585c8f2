#include "gateway/maesn/path_builder.h"

#include "absl/strings/str_cat.h"

namespace maesn::gateway {

std::string PercentEncode(absl::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                            c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

Target& Target::Segment(absl::string_view segment) {
  // "." and ".." are dot-segments that a server would resolve; encode them.
  if (segment == ".") {
    absl::StrAppend(&path_, "/%2E");
  } else if (segment == "..") {
    absl::StrAppend(&path_, "/%2E%2E");
  } else {
    absl::StrAppend(&path_, "/", PercentEncode(segment));
  }
  return *this;
}

Target& Target::Fixed(absl::string_view piece) {
  absl::StrAppend(&path_, piece);
  return *this;
}

Target& Target::Query(absl::string_view name, absl::string_view value) {
  if (value.empty()) return *this;
  absl::StrAppend(&query_, query_.empty() ? "?" : "&", name, "=",
                  PercentEncode(value));
  return *this;
}

Target& Target::QueryFlag(absl::string_view name, bool value) {
  if (value) Query(name, "true");
  return *this;
}

}  // namespace maesn::gateway
