#include "gateway/mapping/time_format.h"

#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace maesn::gateway::mapping {
namespace {

// Reads `n` ASCII digits at `p`; false if any is not a digit.
bool Digits(const char* p, int n, int* out) {
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const char c = p[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Days from 1970-01-01 to the proleptic Gregorian date (H. Hinnant's
// days_from_civil).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// The common shapes, read without absl::ParseTime (which costs about a
// microsecond per layout tried): "YYYY-MM-DD", optionally followed by
// "THH:MM:SS", up to nine fraction digits and "Z" or "+hh:mm"/"-hh:mm".
// Returns false for anything else, including out-of-range values and leap
// seconds, which the general path then decides; for what it accepts it
// gives exactly the general path's result.
bool ParseCommonLayouts(absl::string_view s, absl::Time* out) {
  const char* p = s.data();
  const std::size_t n = s.size();
  int year, month, day;
  if (n < 10 || p[4] != '-' || p[7] != '-' || !Digits(p, 4, &year) ||
      !Digits(p + 5, 2, &month) || !Digits(p + 8, 2, &day) || month < 1 ||
      month > 12 || day < 1 || day > DaysInMonth(year, month)) {
    return false;
  }
  int64_t seconds = DaysFromCivil(year, month, day) * 86400;
  int64_t nanos = 0;
  if (n > 10) {
    int hour, minute, second;
    if (n < 19 || p[10] != 'T' || p[13] != ':' || p[16] != ':' ||
        !Digits(p + 11, 2, &hour) || !Digits(p + 14, 2, &minute) ||
        !Digits(p + 17, 2, &second) || hour > 23 || minute > 59 ||
        second > 59) {
      return false;
    }
    seconds += hour * 3600 + minute * 60 + second;
    std::size_t i = 19;
    if (i < n && p[i] == '.') {
      const std::size_t first = ++i;
      while (i < n && p[i] >= '0' && p[i] <= '9') {
        if (i - first == 9) return false;  // finer than nanoseconds
        nanos = nanos * 10 + (p[i] - '0');
        ++i;
      }
      if (i == first) return false;
      for (std::size_t k = i - first; k < 9; ++k) nanos *= 10;
    }
    if (i < n) {
      if (p[i] == 'Z' && i + 1 == n) {
        // UTC
      } else if ((p[i] == '+' || p[i] == '-') && i + 6 == n &&
                 p[i + 3] == ':') {
        int oh, om;
        if (!Digits(p + i + 1, 2, &oh) || !Digits(p + i + 4, 2, &om) ||
            oh > 23 || om > 59) {
          return false;
        }
        const int offset = oh * 3600 + om * 60;
        seconds -= p[i] == '+' ? offset : -offset;
      } else {
        return false;
      }
    }
  }
  *out = absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
  return true;
}

}  // namespace

bool InTimestampRange(absl::Time t) {
  return t >= absl::FromUnixSeconds(-62135596800) &&
         t < absl::FromUnixSeconds(253402300800);
}

std::optional<absl::Time> ParseMaesnTime(absl::string_view text) {
  if (absl::Time t; ParseCommonLayouts(text, &t)) return t;
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

bool IsValidDate(int year, int month, int day) {
  return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
         day <= DaysInMonth(year, month);
}

std::optional<CalendarDate> ParseMaesnDate(absl::string_view text) {
  const absl::string_view s = absl::StripAsciiWhitespace(text);
  if (!ParseMaesnTime(s).has_value() || s.size() < 10) return std::nullopt;
  CalendarDate d;
  const char* p = s.data();
  if (p[4] != '-' || p[7] != '-' || !Digits(p, 4, &d.year) ||
      !Digits(p + 5, 2, &d.month) || !Digits(p + 8, 2, &d.day) ||
      !IsValidDate(d.year, d.month, d.day)) {
    return std::nullopt;
  }
  return d;
}

std::string FormatMaesnDate(const CalendarDate& date) {
  return absl::StrFormat("%04d-%02d-%02d", date.year, date.month, date.day);
}

std::string FormatMaesnDateTime(const CalendarDate& date) {
  return absl::StrCat(FormatMaesnDate(date), "T00:00:00Z");
}

std::string FormatMaesnTime(absl::Time t) {
  const bool whole = absl::ToUnixNanos(t) % 1000000000 == 0;
  return absl::FormatTime(whole ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%dT%H:%M:%E*SZ",
                          t, absl::UTCTimeZone());
}

}  // namespace maesn::gateway::mapping
