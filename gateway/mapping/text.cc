#include "gateway/mapping/text.h"

#include <algorithm>
#include <cstdint>

namespace maesn::gateway::mapping {
namespace {

// Length of the valid UTF-8 sequence at the start of `s`, 0 if invalid.
std::size_t Utf8Length(absl::string_view s) {
  const auto c = static_cast<unsigned char>(s[0]);
  std::size_t n;
  std::uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (s.size() < n) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(s[k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
      (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

}  // namespace

bool IsValidUtf8(absl::string_view s) {
  while (!s.empty()) {
    const std::size_t n = Utf8Length(s);
    if (n == 0) return false;
    s.remove_prefix(n);
  }
  return true;
}

std::string SanitizeText(absl::string_view text, std::size_t max_bytes) {
  static constexpr absl::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 3);
  while (!text.empty()) {
    std::size_t n = Utf8Length(text);
    const absl::string_view piece = n == 0 ? kReplacement : text.substr(0, n);
    if (out.size() + piece.size() > max_bytes) {
      out += "...";
      break;
    }
    out.append(piece.data(), piece.size());
    text.remove_prefix(n == 0 ? 1 : n);
  }
  return out;
}

}  // namespace maesn::gateway::mapping
