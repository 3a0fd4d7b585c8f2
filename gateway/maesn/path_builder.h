#ifndef MAESN_GATEWAY_MAESN_PATH_BUILDER_H_
#define MAESN_GATEWAY_MAESN_PATH_BUILDER_H_

#include <string>

#include "absl/strings/string_view.h"

namespace maesn::gateway {

// Percent-encodes `s` so that it is exactly one path segment or one query
// component: every byte except RFC 3986 unreserved characters
// (A-Z a-z 0-9 - . _ ~) is encoded, so "/", "?", "#", "%", ".." and NUL in an
// id can never change the path or query Maesn sees.
std::string PercentEncode(absl::string_view s);

// Builds a request target: fixed path segments, caller-supplied ids (always
// encoded) and query parameters (empty values are omitted).
//
//   Target t("/v1/records");
//   t.Segment(invoice_id).Query("companyId", company_id);
//   t.str() == "/v1/records/ABC123?companyId=1"
class Target {
 public:
  // `base` is a fixed, trusted path such as "/v1/records".
  explicit Target(absl::string_view base) : path_(base) {}

  // Appends "/<encoded segment>".
  Target& Segment(absl::string_view segment);
  // Appends a fixed, trusted path piece such as "/document".
  Target& Fixed(absl::string_view piece);
  // Adds "name=<encoded value>" unless `value` is empty.
  Target& Query(absl::string_view name, absl::string_view value);
  // Adds "name=true" when `value` is true.
  Target& QueryFlag(absl::string_view name, bool value);

  std::string str() const { return query_.empty() ? path_ : path_ + query_; }

 private:
  std::string path_;
  std::string query_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_MAESN_PATH_BUILDER_H_
