#include "gateway/maesn/http_status.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gateway/common/errors.h"
#include "gateway/mapping/error_body.h"

namespace maesn::gateway {
namespace {

struct Row {
  absl::StatusCode code;
  const char* reason;
};

Row RowFor(int http) {
  using C = absl::StatusCode;
  switch (http) {
    // Maesn: "invalid parameters - validation failed"; details in
    // validationErrors. The caller must change the request.
    case 400:
      return {C::kInvalidArgument, "UPSTREAM_INVALID_ARGUMENT"};
    // Missing, invalid, expired or revoked API/account key.
    case 401:
      return {C::kUnauthenticated, "UPSTREAM_UNAUTHENTICATED"};
    // Forbidden, or the end-user account is inactive.
    case 403:
      return {C::kPermissionDenied, "UPSTREAM_PERMISSION_DENIED"};
    // Maesn uses 404 both for "no such record" and "endpoint not supported
    // by this target system"; error_body.h tells the two apart by Maesn's
    // text (see StatusFromHttpResponse).
    case 404:
      return {C::kNotFound, "UPSTREAM_NOT_FOUND"};
    // v2 docs: "target system not found" (v1: operation not supported by
    // the target system). Either way the account's setup, not the request
    // or the moment, is at fault: FAILED_PRECONDITION, not retryable.
    case 405:
      return {C::kFailedPrecondition, "TARGET_SYSTEM_NOT_FOUND"};
    // Request timeout on Maesn's side: nothing happened; retryable.
    case 408:
      return {C::kUnavailable, "UPSTREAM_TIMEOUT"};
    // Conflict with the record's current state.
    case 409:
      return {C::kAborted, "UPSTREAM_CONFLICT"};
    case 413:
      return {C::kInvalidArgument, "UPSTREAM_REQUEST_TOO_LARGE"};
    case 422:
      return {C::kInvalidArgument, "UPSTREAM_INVALID_ARGUMENT"};
    // Rate limited: retryable after Retry-After (RetryInfo).
    case 429:
      return {C::kResourceExhausted, "UPSTREAM_RATE_LIMITED"};
    // Maesn or the target system failed: the request may succeed later.
    case 500:
    case 502:
    case 503:
    case 504:
      return {C::kUnavailable, "UPSTREAM_UNAVAILABLE"};
    case 501:
      return {C::kUnimplemented, "TARGET_SYSTEM_UNSUPPORTED"};
    default:
      break;
  }
  // Redirects are never followed (a redirect to another host could leak the
  // keys); Maesn documents none, so one means something is wrong upstream.
  if (http >= 300 && http < 400) {
    return {C::kInternal, "UPSTREAM_REDIRECT_REFUSED"};
  }
  if (http >= 400 && http < 500) {
    return {C::kFailedPrecondition, "UPSTREAM_CLIENT_ERROR"};
  }
  if (http >= 500 && http < 600) {
    return {C::kUnavailable, "UPSTREAM_UNAVAILABLE"};
  }
  return {C::kInternal, "INVALID_UPSTREAM_RESPONSE"};
}

}  // namespace

absl::StatusCode CodeForHttpStatus(int http_status) {
  if (http_status >= 200 && http_status < 300) return absl::StatusCode::kOk;
  return RowFor(http_status).code;
}

std::optional<absl::Duration> ParseRetryAfter(absl::string_view value,
                                              absl::Time now) {
  value = absl::StripAsciiWhitespace(value);
  if (value.empty()) return std::nullopt;
  int64_t seconds = 0;
  if (absl::SimpleAtoi(value, &seconds)) {
    if (seconds < 0) return std::nullopt;
    return absl::Seconds(std::min<int64_t>(seconds, 24 * 3600));
  }
  absl::Time when;
  std::string err;
  if (absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", std::string(value), &when,
                      &err)) {
    return when > now ? when - now : absl::ZeroDuration();
  }
  return std::nullopt;
}

absl::Status StatusFromHttpResponse(const HttpResponse& response,
                                    absl::string_view operation) {
  const int http = response.status;
  if (http >= 200 && http < 300) return absl::OkStatus();
  Row row = RowFor(http);
  const MaesnErrorBody body = ParseMaesnErrorBody(response.body);
  if (http == 404 && body.not_supported) {
    row = {absl::StatusCode::kUnimplemented, "TARGET_SYSTEM_UNSUPPORTED"};
  }
  std::string message =
      absl::StrCat("Maesn answered HTTP ", http, " to ", operation);
  if (!body.message.empty()) absl::StrAppend(&message, ": ", body.message);
  absl::Status status(row.code, message);
  status = WithErrorInfo(std::move(status), row.reason,
                         {{"operation", std::string(operation)},
                          {"http_status", absl::StrCat(http)}});
  if (http == 429 || http == 503) {
    if (auto delay =
            ParseRetryAfter(response.Header("Retry-After"), absl::Now())) {
      status = WithRetryDelay(std::move(status), *delay);
    }
  }
  if (!body.violations.empty()) {
    std::vector<FieldViolation> v;
    for (const auto& [field, text] : body.violations)
      v.push_back({field, text});
    status = WithFieldViolations(std::move(status), std::move(v));
  }
  return status;
}

}  // namespace maesn::gateway
