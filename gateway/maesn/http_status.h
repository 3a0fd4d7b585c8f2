#ifndef MAESN_GATEWAY_MAESN_HTTP_STATUS_H_
#define MAESN_GATEWAY_MAESN_HTTP_STATUS_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/maesn/http_transport.h"

namespace maesn::gateway {

// The one table from Maesn's HTTP answers to absl::Status (see the .cc for
// each choice). Returns OK for 2xx. Errors carry an ErrorInfo (reason,
// metadata `operation` = Maesn operation id, `http_status`), a RetryInfo when
// Maesn sent Retry-After on 429/503, and BadRequest field violations from a
// 400's `validationErrors`. The message quotes Maesn's error text, which
// never contains the caller's keys (the service layer redacts them anyway).
absl::Status StatusFromHttpResponse(const HttpResponse& response,
                                    absl::string_view operation);

// The canonical code for an HTTP status (the table itself).
absl::StatusCode CodeForHttpStatus(int http_status);

// Parses Retry-After (delta seconds or an HTTP date relative to `now`).
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value,
                                              absl::Time now);

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_MAESN_HTTP_STATUS_H_
