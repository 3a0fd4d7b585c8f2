#include "resource_support.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace maesn::sim {
namespace {

// RFC 3339 with "Z" or an offset, with or without fractions; a date-time
// without zone is UTC; a date alone is midnight UTC.
std::optional<absl::Time> ParseTimeText(const std::string& text) {
  absl::Time t;
  std::string err;
  for (const char* format :
       {"%Y-%m-%d%ET%H:%M:%E*S%Ez", "%Y-%m-%d%ET%H:%M:%E*SZ",
        "%Y-%m-%d%ET%H:%M:%E*S", "%Y-%m-%d"}) {
    if (absl::ParseTime(format, text, absl::UTCTimeZone(), &t, &err)) return t;
  }
  return std::nullopt;
}

bool Allowed(const std::string& value,
             std::initializer_list<const char*> allowed) {
  for (const char* a : allowed) {
    if (value == a) return true;
  }
  return false;
}

std::string AllowedText(std::initializer_list<const char*> allowed) {
  return absl::StrJoin(allowed.begin(), allowed.end(), ", ");
}

// Orders `a` before `b` when sorting by `field`; missing values go last
// whichever the direction.
int Compare(const Json& a, const Json& b, const std::string& field) {
  const Json* va = a.contains(field) ? &a[field] : nullptr;
  const Json* vb = b.contains(field) ? &b[field] : nullptr;
  const bool has_a = va != nullptr && !va->is_null();
  const bool has_b = vb != nullptr && !vb->is_null();
  if (!has_a || !has_b) return has_a == has_b ? 0 : (has_a ? -2 : 2);
  std::optional<absl::Time> ta = JsonTime(*va);
  std::optional<absl::Time> tb = JsonTime(*vb);
  if (ta && tb) return *ta < *tb ? -1 : (*tb < *ta ? 1 : 0);
  // A date field whose value is not a date sorts with the missing ones.
  if (absl::EndsWith(field, "Date") && (ta || tb)) return ta ? -2 : 2;
  const std::string sa = va->is_string() ? va->get<std::string>() : va->dump();
  const std::string sb = vb->is_string() ? vb->get<std::string>() : vb->dump();
  return sa < sb ? -1 : (sb < sa ? 1 : 0);
}

}  // namespace

ApiResponse ValidationError(const FieldErrors& errors) {
  Json body = Json::object();
  body["statusCode"] = 400;
  Json messages = Json::array();
  Json validation = Json::array();
  for (const auto& [property, message] : errors) {
    messages.push_back(message);
    Json e = Json::object();
    e["property"] = property;
    e["constraints"] = Json::object({{"isValid", message}});
    validation.push_back(std::move(e));
  }
  body["message"] = std::move(messages);
  body["error"] = "Bad Request";
  body["validationErrors"] = std::move(validation);
  return JsonResponse(400, body);
}

PageParams ReadPageParams(const ApiRequest& request, FieldErrors& errors) {
  PageParams params;
  if (std::optional<std::string> page = request.Query("page")) {
    double value = 0;
    if (!absl::SimpleAtod(*page, &value) || !std::isfinite(value) ||
        value < 1 || std::trunc(value) != value || value > 1e9) {
      errors.emplace_back("page", "page must be a whole number >= 1");
    } else {
      params.page = static_cast<std::int64_t>(value);
    }
  }
  if (std::optional<std::string> limit = request.Query("limit")) {
    std::int64_t value = 0;
    if (!absl::SimpleAtoi(*limit, &value) ||
        !(value == 5 || value == 10 || value == 20 || value == 50 ||
          value == 100)) {
      errors.emplace_back(
          "limit",
          "limit must be one of the following values: 5, 10, 20, "
          "50, 100");
    } else {
      params.limit = value;
    }
  }
  return params;
}

std::optional<absl::Time> ReadTimeParam(const ApiRequest& request,
                                        absl::string_view name,
                                        FieldErrors& errors) {
  std::optional<std::string> text = request.Query(name);
  if (!text.has_value()) return std::nullopt;
  std::optional<absl::Time> t = ParseTimeText(*text);
  if (!t.has_value()) {
    errors.emplace_back(std::string(name),
                        absl::StrCat(name, " must be an ISO 8601 date"));
  }
  return t;
}

std::optional<std::string> ReadEnumParam(
    const ApiRequest& request, absl::string_view name,
    std::initializer_list<const char*> allowed, FieldErrors& errors) {
  std::optional<std::string> value = request.Query(name);
  if (!value.has_value()) return std::nullopt;
  if (!Allowed(*value, allowed)) {
    errors.emplace_back(std::string(name),
                        absl::StrCat(name,
                                     " must be one of the following "
                                     "values: ",
                                     AllowedText(allowed)));
    return std::nullopt;
  }
  return value;
}

void CheckEnumProperty(const Json& object, const char* property,
                       const std::string& path,
                       std::initializer_list<const char*> allowed,
                       FieldErrors& errors) {
  auto it = object.find(property);
  if (it == object.end() || it->is_null()) return;
  if (!it->is_string() || !Allowed(it->get<std::string>(), allowed)) {
    errors.emplace_back(path, absl::StrCat(path,
                                           " must be one of the following "
                                           "values: ",
                                           AllowedText(allowed)));
  }
}

std::optional<absl::Time> JsonTime(const Json& value) {
  if (!value.is_string()) return std::nullopt;
  return ParseTimeText(value.get<std::string>());
}

std::string IsoTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string NowString() { return IsoTime(absl::Now()); }

ListFilter ReadListFilter(const ApiRequest& request, EnumValues order_fields,
                          bool due_date_from, FieldErrors& errors) {
  ListFilter filter;
  filter.modified_after = ReadTimeParam(request, "lastModifiedAt", errors);
  if (due_date_from) {
    filter.due_from = ReadTimeParam(request, "dueDateFrom", errors);
  }
  filter.status = ReadEnumParam(request, "status", kDocumentStatuses, errors);
  filter.payment_status =
      ReadEnumParam(request, "paymentStatus", kPaymentStatuses, errors);
  filter.order_field =
      ReadEnumParam(request, "orderField", order_fields, errors);
  filter.descending =
      ReadEnumParam(request, "orderDir", kOrderDirections, errors)
          .value_or("ASC") == "DESC";
  return filter;
}

std::vector<const Json*> SelectRecords(const std::vector<const Json*>& records,
                                       const ListFilter& filter) {
  std::vector<const Json*> out;
  for (const Json* r : records) {
    if (filter.modified_after.has_value()) {
      std::optional<absl::Time> t = r->contains("updatedDate")
                                        ? JsonTime((*r)["updatedDate"])
                                        : std::nullopt;
      if (!t.has_value() || !(*t > *filter.modified_after)) continue;
    }
    if (filter.due_from.has_value()) {
      std::optional<absl::Time> t =
          r->contains("dueDate") ? JsonTime((*r)["dueDate"]) : std::nullopt;
      if (!t.has_value() || *t < *filter.due_from) continue;
    }
    if (filter.status.has_value() &&
        (!r->contains("status") || (*r)["status"] != *filter.status)) {
      continue;
    }
    if (filter.payment_status.has_value() &&
        (!r->contains("paymentStatus") ||
         (*r)["paymentStatus"] != *filter.payment_status)) {
      continue;
    }
    out.push_back(r);
  }
  if (filter.order_field.has_value()) {
    const std::string& field = *filter.order_field;
    const bool desc = filter.descending;
    std::stable_sort(out.begin(), out.end(), [&](const Json* a, const Json* b) {
      const int c = Compare(*a, *b, field);
      if (c == 2 || c == -2) return c < 0;  // missing last
      return desc ? c > 0 : c < 0;
    });
  }
  return out;
}

Json PagedEnvelope(const std::vector<const Json*>& all, const PageParams& page,
                   bool raw, const std::function<Json(const Json&)>& make_raw) {
  const auto total = static_cast<std::int64_t>(all.size());
  const std::int64_t first = (page.page - 1) * page.limit;
  Json data = Json::array();
  Json raw_data = Json::array();
  for (std::int64_t i = first; i < total && i < first + page.limit; ++i) {
    const Json& record = *all[static_cast<std::size_t>(i)];
    data.push_back(record);
    if (raw) raw_data.push_back(make_raw(record));
  }
  Json meta = Json::object();
  meta["warnings"] = Json::array();
  Json pagination = Json::object();
  pagination["total"] = total;
  pagination["perPage"] = page.limit;
  pagination["currentPage"] = page.page;
  pagination["totalPages"] = (total + page.limit - 1) / page.limit;
  meta["pagination"] = std::move(pagination);
  return Envelope(std::move(data), std::move(meta),
                  raw ? std::move(raw_data) : Json(nullptr));
}

Json DocumentFor(absl::string_view kind, const std::string& id,
                 const std::string& number) {
  const std::string pdf = absl::StrCat(
      "%PDF-1.4\n% maesn-sim ", kind, " ", id, "\n1 0 obj << /Title (", kind,
      " ", number, ") >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
  Json doc = Json::object();
  doc["id"] = absl::StrCat("doc-", id);
  doc["base64Encoded"] = true;
  doc["content"] = absl::Base64Escape(pdf);
  doc["contentType"] = "application/pdf";
  doc["fileName"] =
      absl::StrCat(kind, "-", number.empty() ? id : number, ".pdf");
  return doc;
}

std::string NewLineId(const Json& lines, const std::string& record_id,
                      const char* id_field) {
  const std::size_t count = lines.is_array() ? lines.size() : 0;
  for (std::size_t n = count + 1;; ++n) {
    std::string id = absl::StrCat(record_id, "-L", n);
    bool taken = false;
    if (lines.is_array()) {
      for (const Json& line : lines) {
        if (line.is_object() && line.contains(id_field) &&
            line[id_field] == id) {
          taken = true;
          break;
        }
      }
    }
    if (!taken) return id;
  }
}

std::string NewId(AccountState& account, absl::string_view prefix) {
  return absl::StrCat(prefix, "-", account.next_id++);
}

void CopyProperties(const Json& from, std::initializer_list<const char*> names,
                    Json& to) {
  for (const char* name : names) {
    auto it = from.find(name);
    if (it != from.end()) to[name] = *it;
  }
}

std::optional<Json> ParseObjectBody(const ApiRequest& request) {
  Json body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) return std::nullopt;
  return body;
}

}  // namespace maesn::sim
