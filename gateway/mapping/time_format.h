#ifndef MAESN_GATEWAY_MAPPING_TIME_FORMAT_H_
#define MAESN_GATEWAY_MAPPING_TIME_FORMAT_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace maesn::gateway::mapping {

// Reads a Maesn date or date-time: RFC 3339 with "Z" or a numeric offset,
// with or without fractional seconds (also with a space instead of "T"), a
// date-time without zone (read as UTC, as Maesn's examples are UTC), or a
// date only ("2021-01-01", read as midnight UTC). nullopt if unreadable.
std::optional<absl::Time> ParseMaesnTime(absl::string_view text);

// True within google.protobuf.Timestamp's range, 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z: what a proto Timestamp may hold.
bool InTimestampRange(absl::Time t);

// A calendar date as written: year 1..9999, month 1..12, day valid for both.
struct CalendarDate {
  int year = 0;
  int month = 0;
  int day = 0;
};

// Reads the calendar date Maesn wrote: the "YYYY-MM-DD" a readable date or
// date-time (ParseMaesnTime) starts with, whatever time, offset or zone
// follows; the day is never moved to UTC ("2024-03-01T00:00:00+01:00" is
// 2024-03-01). nullopt if unreadable.
std::optional<CalendarDate> ParseMaesnDate(absl::string_view text);

// True for a full, real date (no year, month or day left 0).
bool IsValidDate(int year, int month, int day);

// Formats a calendar date for a Maesn body: midnight of the day in UTC,
// "2024-03-01T00:00:00Z", the form Maesn's docs show for every date
// property (no fractional seconds, which some target systems refuse).
std::string FormatMaesnDateTime(const CalendarDate& date);
// Formats a calendar date as an ISO 8601 date, "2024-03-01" (Maesn's
// `dueDateFrom`).
std::string FormatMaesnDate(const CalendarDate& date);

// Formats for Maesn: RFC 3339 in UTC, "2021-01-01T00:00:00Z", with
// fractional seconds only when present.
std::string FormatMaesnTime(absl::Time t);

}  // namespace maesn::gateway::mapping

#endif  // MAESN_GATEWAY_MAPPING_TIME_FORMAT_H_
