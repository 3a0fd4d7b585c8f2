#include "gateway/mapping/json_text.h"

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace maesn::gateway::mapping {
namespace {

// A cursor over JSON text. Every step returns false on text that is not
// JSON where it looks.
class Scanner {
 public:
  explicit Scanner(absl::string_view text) : s_(text) {}

  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' ||
                              s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  bool At(char c) {
    SkipSpace();
    return i_ < s_.size() && s_[i_] == c;
  }
  bool Eat(char c) {
    if (!At(c)) return false;
    ++i_;
    return true;
  }

  // A string at the cursor; `raw` is its text between the quotes.
  bool String(absl::string_view* raw, bool* escaped) {
    if (!Eat('"')) return false;
    const std::size_t start = i_;
    *escaped = false;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '"') {
        *raw = s_.substr(start, i_ - start);
        ++i_;
        return true;
      }
      if (c == '\\') {
        *escaped = true;
        ++i_;
      }
      ++i_;
    }
    return false;
  }

  // Skips the value at the cursor; `text` is its exact text.
  bool Value(absl::string_view* text) {
    SkipSpace();
    const std::size_t start = i_;
    if (i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '"') {
      absl::string_view raw;
      bool escaped;
      if (!String(&raw, &escaped)) return false;
    } else if (c == '{' || c == '[') {
      int depth = 0;
      while (i_ < s_.size()) {
        const char d = s_[i_];
        if (d == '"') {
          absl::string_view raw;
          bool escaped;
          if (!String(&raw, &escaped)) return false;
          continue;
        }
        ++i_;
        if (d == '{' || d == '[') {
          ++depth;
        } else if (d == '}' || d == ']') {
          if (--depth == 0) break;
        }
      }
      if (depth != 0) return false;
    } else {
      // A number or a literal: up to the next delimiter.
      while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' &&
             s_[i_] != ']' && s_[i_] != ' ' && s_[i_] != '\t' &&
             s_[i_] != '\n' && s_[i_] != '\r') {
        ++i_;
      }
      if (i_ == start) return false;
    }
    *text = s_.substr(start, i_ - start);
    return true;
  }

  // Within the object at the cursor, the text of the last value of `key`.
  bool Member(absl::string_view key, std::optional<absl::string_view>* out) {
    *out = std::nullopt;
    if (!Eat('{')) return false;
    if (Eat('}')) return true;
    for (;;) {
      absl::string_view raw;
      bool escaped;
      if (!String(&raw, &escaped) || !Eat(':')) return false;
      absl::string_view value;
      if (!Value(&value)) return false;
      if (Matches(raw, escaped, key)) *out = value;
      if (Eat('}')) return true;
      if (!Eat(',')) return false;
    }
  }

 private:
  static bool Matches(absl::string_view raw, bool escaped,
                      absl::string_view key) {
    if (!escaped) return raw == key;
    const std::string quoted = "\"" + std::string(raw) + "\"";
    const auto decoded = nlohmann::json::parse(quoted, nullptr, false);
    return decoded.is_string() && decoded.get<std::string>() == key;
  }

  absl::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

std::optional<absl::string_view> FindJsonValueText(
    absl::string_view body, std::initializer_list<absl::string_view> path) {
  absl::string_view current = body;
  for (absl::string_view key : path) {
    Scanner outer(current);
    if (outer.At('[')) {
      // One-record array: its first element.
      outer.Eat('[');
      absl::string_view first;
      if (outer.At(']') || !outer.Value(&first)) return std::nullopt;
      current = first;
    }
    Scanner scanner(current);
    std::optional<absl::string_view> value;
    if (!scanner.Member(key, &value) || !value.has_value()) {
      return std::nullopt;
    }
    current = *value;
  }
  if (current == "null") return std::nullopt;
  return current;
}

}  // namespace maesn::gateway::mapping
