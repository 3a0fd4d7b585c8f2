#include "gateway/maesn/http_status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "gateway/common/errors.h"
#include "google/rpc/error_details.pb.h"
#include "tests/testing/status_matchers.h"

namespace maesn::gateway {
namespace {

using ::maesn::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

// One row of the HTTP -> status table (gateway/maesn/http_status.cc), with
// Maesn's own meanings (docs/maesn-api.md §2) told apart by the body.
struct Row {
  int http;
  std::string body;  // JSON unless content_type says otherwise
  absl::StatusCode code;
  std::string reason;
  std::string retry_after = "";  // header value; "" = none sent
  int64_t retry_ms = -1;         // expected RetryInfo; -1 = none
  std::string content_type = "application/json";
  // Expected BadRequest field violations (Maesn's paths; the connection
  // rewrites them later).
  std::map<std::string, std::string> violations = {};
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << "HTTP " << r.http << " " << r.body.substr(0, 40);
}

class HttpStatusTableTest : public ::testing::TestWithParam<Row> {};

TEST_P(HttpStatusTableTest, MapsCodeReasonAndDetails) {
  const Row& row = GetParam();
  HttpResponse r;
  r.status = row.http;
  r.body = row.body;
  r.headers.emplace_back("Content-Type", row.content_type);
  if (!row.retry_after.empty()) {
    r.headers.emplace_back("retry-after", row.retry_after);
  }
  absl::Status s = StatusFromHttpResponse(r, "getInvoice");
  ASSERT_EQ(s.code(), row.code) << s;
  if (row.http >= 200 && row.http < 300) {
    EXPECT_EQ(CodeForHttpStatus(row.http), absl::StatusCode::kOk);
    return;
  }
  EXPECT_EQ(ErrorReason(s), row.reason);
  EXPECT_EQ(ErrorMetadata(s, "operation"), "getInvoice");
  EXPECT_EQ(ErrorMetadata(s, "http_status"), std::to_string(row.http));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("HTTP " + std::to_string(row.http)));
  // The reason follows AIP-193: UPPER_SNAKE_CASE.
  for (char c : row.reason) {
    EXPECT_TRUE((c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9'))
        << row.reason;
  }
  absl::Duration delay;
  if (row.retry_ms >= 0) {
    ASSERT_TRUE(RetryDelay(s, &delay));
    EXPECT_EQ(absl::ToInt64Milliseconds(delay), row.retry_ms);
  } else {
    EXPECT_FALSE(RetryDelay(s, &delay));
  }
  google::rpc::BadRequest bad;
  auto payload = s.GetPayload(kBadRequestUrl);
  if (payload.has_value()) {
    ASSERT_TRUE(bad.ParseFromString(std::string(*payload)));
  }
  std::map<std::string, std::string> got;
  for (const auto& v : bad.field_violations()) got[v.field()] = v.description();
  EXPECT_EQ(got, row.violations);
}

const char kHtml[] =
    "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1>nginx</body></html>";

INSTANTIATE_TEST_SUITE_P(
    Table, HttpStatusTableTest,
    ::testing::Values(
        Row{200, "{}", absl::StatusCode::kOk, ""},
        Row{201, "{}", absl::StatusCode::kOk, ""},
        Row{202, "{}", absl::StatusCode::kOk, ""},
        Row{301, "", absl::StatusCode::kInternal, "UPSTREAM_REDIRECT_REFUSED"},
        Row{302, "", absl::StatusCode::kInternal, "UPSTREAM_REDIRECT_REFUSED"},
        Row{400,
            R"({"message":"Validation failed","validationErrors":)"
            R"({"lineItems[0].quantity":"must be positive"}})",
            absl::StatusCode::kInvalidArgument,
            "UPSTREAM_INVALID_ARGUMENT",
            "",
            -1,
            "application/json",
            {{"lineItems[0].quantity", "must be positive"}}},
        Row{400,
            R"({"message":["invoiceDate must be a date"],"validationErrors":)"
            R"([{"property":"invoiceDate","constraints":{"isDate":"must be )"
            R"(a date"}}]})",
            absl::StatusCode::kInvalidArgument,
            "UPSTREAM_INVALID_ARGUMENT",
            "",
            -1,
            "application/json",
            {{"invoiceDate", "must be a date"}}},
        Row{401, R"({"message":"Unauthorized"})",
            absl::StatusCode::kUnauthenticated, "UPSTREAM_UNAUTHENTICATED"},
        Row{403, R"({"message":"inactive user"})",
            absl::StatusCode::kPermissionDenied, "UPSTREAM_PERMISSION_DENIED"},
        Row{404, R"({"message":"Invoice not found"})",
            absl::StatusCode::kNotFound, "UPSTREAM_NOT_FOUND"},
        // docs/maesn-api.md §2.1: 404 also means "not supported by this
        // target".
        Row{404,
            R"({"message":"This endpoint is not supported by the target )"
            R"(system"})",
            absl::StatusCode::kUnimplemented, "TARGET_SYSTEM_UNSUPPORTED"},
        // v2: 405 = target system not found; v1: operation not supported.
        Row{405, R"({"message":"Target system not found"})",
            absl::StatusCode::kFailedPrecondition, "TARGET_SYSTEM_NOT_FOUND"},
        Row{405, R"({"message":"Operation not supported by target system"})",
            absl::StatusCode::kUnimplemented, "TARGET_SYSTEM_UNSUPPORTED"},
        Row{408, "", absl::StatusCode::kUnavailable, "UPSTREAM_TIMEOUT"},
        Row{409, "", absl::StatusCode::kAborted, "UPSTREAM_CONFLICT"},
        Row{413, "", absl::StatusCode::kInvalidArgument,
            "UPSTREAM_REQUEST_TOO_LARGE"},
        Row{418, "", absl::StatusCode::kFailedPrecondition,
            "UPSTREAM_CLIENT_ERROR"},
        Row{422, "", absl::StatusCode::kInvalidArgument,
            "UPSTREAM_INVALID_ARGUMENT"},
        Row{429, R"({"message":"Too many requests"})",
            absl::StatusCode::kResourceExhausted, "UPSTREAM_RATE_LIMITED", "7",
            7000},
        Row{429, "", absl::StatusCode::kResourceExhausted,
            "UPSTREAM_RATE_LIMITED"},
        Row{500, "", absl::StatusCode::kUnavailable, "UPSTREAM_UNAVAILABLE"},
        Row{501, "", absl::StatusCode::kUnimplemented,
            "TARGET_SYSTEM_UNSUPPORTED"},
        Row{502, "", absl::StatusCode::kUnavailable, "UPSTREAM_UNAVAILABLE"},
        Row{502, kHtml, absl::StatusCode::kUnavailable, "UPSTREAM_UNAVAILABLE",
            "", -1, "text/html"},
        Row{503, "", absl::StatusCode::kUnavailable, "UPSTREAM_UNAVAILABLE",
            "2", 2000},
        Row{504, "", absl::StatusCode::kUnavailable, "UPSTREAM_UNAVAILABLE"},
        Row{599, "", absl::StatusCode::kUnavailable, "UPSTREAM_UNAVAILABLE"},
        Row{102, "", absl::StatusCode::kInternal,
            "INVALID_UPSTREAM_RESPONSE"}));

TEST(HttpStatusTest, MaesnsTextIsQuotedButAnHtmlPageIsNot) {
  HttpResponse json{404, {}, R"({"message":"Invoice 42 not found"})"};
  EXPECT_THAT(std::string(StatusFromHttpResponse(json, "getInvoice").message()),
              HasSubstr("Invoice 42 not found"));
  HttpResponse html{502, {{"Content-Type", "text/html"}}, kHtml};
  const std::string message(StatusFromHttpResponse(html, "getBill").message());
  EXPECT_THAT(message, HasSubstr("HTML error page"));
  EXPECT_THAT(message, Not(HasSubstr("nginx")));
  // Also without a Content-Type: recognised by its start.
  HttpResponse untyped{503, {}, std::string("  ") + kHtml};
  EXPECT_THAT(std::string(StatusFromHttpResponse(untyped, "getBill").message()),
              Not(HasSubstr("<html>")));
}

TEST(HttpStatusTest, RetryAfterOnlyOn429And503) {
  HttpResponse r{500, {{"Retry-After", "3"}}, ""};
  absl::Duration d;
  EXPECT_FALSE(RetryDelay(StatusFromHttpResponse(r, "getBill"), &d));
}

TEST(HttpStatusTest, ParseRetryAfter) {
  const absl::Time now = absl::FromUnixSeconds(1609459200);
  EXPECT_EQ(ParseRetryAfter("3", now), absl::Seconds(3));
  EXPECT_EQ(ParseRetryAfter(" 0 ", now), absl::ZeroDuration());
  EXPECT_EQ(ParseRetryAfter("Fri, 01 Jan 2021 00:00:10 GMT", now),
            absl::Seconds(10));
  EXPECT_EQ(ParseRetryAfter("Thu, 31 Dec 2020 00:00:10 GMT", now),
            absl::ZeroDuration());  // in the past: now
  EXPECT_EQ(ParseRetryAfter("99999999", now), absl::Hours(24));  // capped
  EXPECT_FALSE(ParseRetryAfter("soon", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("-1", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("", now).has_value());
}

TEST(HttpStatusTest, ErrorBodyThatIsNotJsonIsQuotedCleanly) {
  HttpResponse r{500, {{"Content-Type", "text/plain"}}, "boom\n\x01 happened"};
  absl::Status s = StatusFromHttpResponse(r, "getTask");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(std::string(s.message()), HasSubstr("boom"));
  EXPECT_THAT(std::string(s.message()), Not(HasSubstr("\n")));
}

}  // namespace
}  // namespace maesn::gateway
