#include "gateway/mapping/time_format.h"

#include <string>

#include "absl/strings/ascii.h"

namespace maesn::gateway::mapping {

std::optional<absl::Time> ParseMaesnTime(absl::string_view text) {
  std::string s(absl::StripAsciiWhitespace(text));
  if (s.size() < 10 || s.size() > 64) return std::nullopt;
  if (s.size() > 10 && (s[10] == ' ' || s[10] == 't')) s[10] = 'T';
  if (!s.empty() && s.back() == 'z') s.back() = 'Z';
  absl::Time t;
  std::string err;
  // Order matters: the most specific layout first.
  static constexpr const char* kLayouts[] = {
      "%Y-%m-%dT%H:%M:%E*S%Ez",  // RFC 3339 ("Z" or +hh:mm), any fraction
      "%Y-%m-%dT%H:%M:%E*S",     // no zone: UTC
      "%Y-%m-%dT%H:%M%Ez",       // minutes only
      "%Y-%m-%dT%H:%M",
      "%Y-%m-%d",  // date only: midnight UTC
  };
  for (const char* layout : kLayouts) {
    if (absl::ParseTime(layout, s, absl::UTCTimeZone(), &t, &err)) return t;
  }
  return std::nullopt;
}

std::string FormatMaesnTime(absl::Time t) {
  const bool whole = absl::ToUnixNanos(t) % 1000000000 == 0;
  return absl::FormatTime(whole ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%dT%H:%M:%E*SZ",
                          t, absl::UTCTimeZone());
}

}  // namespace maesn::gateway::mapping
