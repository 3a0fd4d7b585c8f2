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

// Formats for Maesn: RFC 3339 in UTC, "2021-01-01T00:00:00Z", with
// fractional seconds only when present.
std::string FormatMaesnTime(absl::Time t);

}  // namespace maesn::gateway::mapping

#endif  // MAESN_GATEWAY_MAPPING_TIME_FORMAT_H_
