#include "gateway/maesn/http_status.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
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
    // v2 docs: "target system not found": the account's target system is
    // unknown to Maesn. The account's setup, not the request or the moment,
    // is at fault: FAILED_PRECONDITION, not retryable. (The v1 meaning,
    // "operation not supported by the target system", is recognised by
    // Maesn's text in StatusFromHttpResponse.)
    case 405:
      return {C::kFailedPrecondition, "TARGET_SYSTEM_NOT_FOUND"};
    // Request timeout on Maesn's side: nothing happened; retryable.
    case 408:
      return {C::kUnavailable, "UPSTREAM_TIMEOUT"};
    // Conflict with the record's current state.
    case 409:
      return {C::kAborted, "UPSTREAM_CONFLICT"};
    // The request body is larger than Maesn takes: the caller must send
    // less.
    case 413:
      return {C::kInvalidArgument, "UPSTREAM_REQUEST_TOO_LARGE"};
    // Semantic validation failure; same meaning as 400 for the caller.
    case 422:
      return {C::kInvalidArgument, "UPSTREAM_INVALID_ARGUMENT"};
    // Rate limited: retryable after Retry-After (RetryInfo).
    case 429:
      return {C::kResourceExhausted, "UPSTREAM_RATE_LIMITED"};
    // Maesn or the target system failed: the request may succeed later
    // (Maesn's table marks 5xx retryable). The gateway itself retries reads
    // only on 502/503/504 (maesn_connection.h): a 500 is often the target
    // system failing on this very record, so the caller decides.
    case 500:
    case 502:
    case 503:
    case 504:
      return {C::kUnavailable, "UPSTREAM_UNAVAILABLE"};
    // Not implemented by Maesn or the target system: retrying cannot help.
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
  // Other 4xx: Maesn refused the request for a reason it does not
  // document; retrying the same request will not help.
  if (http >= 400 && http < 500) {
    return {C::kFailedPrecondition, "UPSTREAM_CLIENT_ERROR"};
  }
  // Other 5xx: as 500.
  if (http >= 500 && http < 600) {
    return {C::kUnavailable, "UPSTREAM_UNAVAILABLE"};
  }
  // 1xx (httplib consumes 100 Continue itself) or not HTTP at all.
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
  // A proxy's error page (HTML) is not Maesn's answer: it is described, not
  // quoted.
  const std::string type =
      absl::AsciiStrToLower(response.Header("Content-Type"));
  const absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(
      absl::string_view(response.body).substr(0, 64));
  const bool html = absl::StrContains(type, "html") ||
                    absl::StartsWithIgnoreCase(trimmed, "<!doctype html") ||
                    absl::StartsWithIgnoreCase(trimmed, "<html");
  const MaesnErrorBody body =
      html ? MaesnErrorBody{} : ParseMaesnErrorBody(response.body);
  // Maesn's own meanings (docs/maesn-api.md §2.1): 404 "not found / not
  // supported" and the v1 meaning of 405 ("operation not supported by the
  // target system") are told apart by Maesn's text.
  if ((http == 404 || http == 405) && body.not_supported) {
    row = {absl::StatusCode::kUnimplemented, "TARGET_SYSTEM_UNSUPPORTED"};
  }
  std::string message =
      absl::StrCat("Maesn answered HTTP ", http, " to ", operation);
  if (html) {
    absl::StrAppend(&message, " with an HTML error page (",
                    response.body.size(), " bytes), not Maesn's JSON");
  } else if (!body.message.empty()) {
    absl::StrAppend(&message, ": ", body.message);
  }
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
