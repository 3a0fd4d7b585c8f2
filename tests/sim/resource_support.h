// Helpers shared by the simulator's resource routes: Maesn-style request
// validation (400 with validationErrors), page/limit handling with
// meta.pagination, filters and ordering of lists, dates, ids and the
// documents served for records.
#ifndef MAESN_TESTS_SIM_RESOURCE_SUPPORT_H_
#define MAESN_TESTS_SIM_RESOURCE_SUPPORT_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "enums.h"
#include "router.h"
#include "store.h"

namespace maesn::sim {

// (property, message) pairs of a rejected request.
using FieldErrors = std::vector<std::pair<std::string, std::string>>;

// 400 {"statusCode":400,"message":[...],"error":"Bad Request",
// "validationErrors":[{"property":..,"constraints":{"rule":..}}]}, the shape
// of a NestJS class-validator rejection.
ApiResponse ValidationError(const FieldErrors& errors);

// The page size the simulator uses when `limit` is not sent (Maesn does not
// document its default).
inline constexpr std::int64_t kDefaultLimit = 50;

struct PageParams {
  std::int64_t page = 1;
  std::int64_t limit = kDefaultLimit;
};

// Reads `page` (a whole number >= 1) and `limit` (5, 10, 20, 50 or 100) as
// Maesn validates them; bad values are added to `errors`.
PageParams ReadPageParams(const ApiRequest& request, FieldErrors& errors);

// Reads an ISO 8601 date-time or date parameter; a bad one is added to
// `errors`. nullopt when absent or bad.
std::optional<absl::Time> ReadTimeParam(const ApiRequest& request,
                                        absl::string_view name,
                                        FieldErrors& errors);

// Reads an enum parameter that must be one of `allowed`.
std::optional<std::string> ReadEnumParam(
    const ApiRequest& request, absl::string_view name,
    std::initializer_list<const char*> allowed, FieldErrors& errors);

// Checks a body property against an enum (absent and null are fine).
void CheckEnumProperty(const Json& object, const char* property,
                       const std::string& path,
                       std::initializer_list<const char*> allowed,
                       FieldErrors& errors);

// A JSON date value (RFC 3339 with or without offset/fraction, or a date).
std::optional<absl::Time> JsonTime(const Json& value);

// "2024-05-01T10:00:00Z".
std::string IsoTime(absl::Time t);
std::string NowString();

// Filters and ordering of a list, as Maesn's query parameters state them.
struct ListFilter {
  std::optional<absl::Time> modified_after;  // lastModifiedAt: updatedDate > t
  std::optional<absl::Time> due_from;        // dueDateFrom: dueDate >= t
  std::optional<std::string> status;
  std::optional<std::string> payment_status;
  std::optional<std::string> order_field;
  bool descending = false;
};

// Reads lastModifiedAt, status, paymentStatus, orderField (one of
// `order_fields`), orderDir and, with `due_date_from`, dueDateFrom.
ListFilter ReadListFilter(const ApiRequest& request, EnumValues order_fields,
                          bool due_date_from, FieldErrors& errors);

// Applies `filter` to `records` (their `data`) and orders them: by
// order_field (dates by time, other values as text; missing ones last;
// ties keep the stored order), else in stored order.
std::vector<const Json*> SelectRecords(const std::vector<const Json*>& records,
                                       const ListFilter& filter);

// The envelope of page `page` of `all`, with meta.pagination {total,
// perPage, currentPage, totalPages}; with `raw`, rawData is the array of
// make_raw(record) for the records of the page.
Json PagedEnvelope(const std::vector<const Json*>& all, const PageParams& page,
                   bool raw, const std::function<Json(const Json&)>& make_raw);

// The DocumentResponseDto served for a record: a small PDF naming it,
// base64-encoded.
Json DocumentFor(absl::string_view kind, const std::string& id,
                 const std::string& number);

// "<record_id>-L<n>": the first n from the number of lines on that is not
// yet the `id_field` of a line in `lines` (an array or null).
std::string NewLineId(const Json& lines, const std::string& record_id,
                      const char* id_field);

// A new record id "<prefix>-<n>" unique within the account.
std::string NewId(AccountState& account, absl::string_view prefix);

// Copies the properties named in `names` from `from` into `to` (null
// included).
void CopyProperties(const Json& from, std::initializer_list<const char*> names,
                    Json& to);

// The request body as a JSON object, or nullopt (then a 400 is due).
std::optional<Json> ParseObjectBody(const ApiRequest& request);

}  // namespace maesn::sim

#endif  // MAESN_TESTS_SIM_RESOURCE_SUPPORT_H_
