#include "gateway/mapping/error_body.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "gateway/mapping/envelope_internal.h"
#include "gateway/mapping/text.h"

namespace maesn::gateway {
namespace {

constexpr std::size_t kMaxMessage = 512;

std::string Clean(absl::string_view text) {
  std::string out = mapping::SanitizeText(text, kMaxMessage);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  return std::string(absl::StripAsciiWhitespace(out));
}

void ReadViolations(const nlohmann::json& v, MaesnErrorBody& out) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      out.violations.emplace_back(
          it.key(), Clean(mapping::internal::JsonText(it.value())));
    }
  } else if (v.is_array()) {
    for (const auto& e : v) {
      if (e.is_object()) {
        std::string field;
        for (const char* key : {"property", "field", "path"}) {
          auto f = e.find(key);
          if (f != e.end() && f->is_string()) field = f->get<std::string>();
        }
        // class-validator style: {"constraints": {"rule": "text", ...}}.
        std::string text;
        for (const char* key : {"message", "constraints", "description"}) {
          auto f = e.find(key);
          if (f == e.end()) continue;
          if (f->is_object()) {
            std::vector<std::string> all;
            for (auto c = f->begin(); c != f->end(); ++c) {
              all.push_back(mapping::internal::JsonText(c.value()));
            }
            text = absl::StrJoin(all, "; ");
          } else {
            text = mapping::internal::JsonText(*f);
          }
          break;
        }
        out.violations.emplace_back(field, Clean(text));
      } else {
        out.violations.emplace_back("", Clean(mapping::internal::JsonText(e)));
      }
    }
  }
}

}  // namespace

MaesnErrorBody ParseMaesnErrorBody(absl::string_view body) {
  MaesnErrorBody out;
  // Too deep to walk safely (JsonText() recurses): taken as plain text.
  const bool too_deep = mapping::internal::NestedDeeperThan(
      body, mapping::internal::kMaxJsonNesting);
  auto j = too_deep ? nlohmann::json()
                    : nlohmann::json::parse(body.begin(), body.end(), nullptr,
                                            /*allow_exceptions=*/false);
  if (too_deep || j.is_discarded() || !j.is_object()) {
    out.message = Clean(body);
  } else {
    for (const char* key : {"message", "error", "detail", "title"}) {
      auto it = j.find(key);
      if (it != j.end() && !it->is_null()) {
        out.message = Clean(mapping::internal::JsonText(*it));
        if (!out.message.empty()) break;
      }
    }
    for (const char* key : {"validationErrors", "errors"}) {
      auto it = j.find(key);
      if (it != j.end()) ReadViolations(*it, out);
    }
  }
  const std::string lower = absl::AsciiStrToLower(out.message);
  out.not_supported = absl::StrContains(lower, "not supported") ||
                      absl::StrContains(lower, "unsupported");
  return out;
}

}  // namespace maesn::gateway
