#include "gateway/maesn/http_status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/common/errors.h"
#include "tests/testing/status_matchers.h"

namespace maesn::gateway {
namespace {

using ::maesn::testing::StatusIs;
using ::testing::HasSubstr;

struct Row {
  int http;
  absl::StatusCode code;
  const char* reason;
};

class HttpStatusTableTest : public ::testing::TestWithParam<Row> {};

TEST_P(HttpStatusTableTest, MapsCodeAndReason) {
  HttpResponse r;
  r.status = GetParam().http;
  r.body = R"({"message": "upstream text"})";
  absl::Status s = StatusFromHttpResponse(r, "getInvoice");
  EXPECT_EQ(s.code(), GetParam().code) << GetParam().http;
  EXPECT_EQ(CodeForHttpStatus(GetParam().http), GetParam().code);
  if (!s.ok()) {
    EXPECT_EQ(ErrorReason(s), GetParam().reason);
    EXPECT_EQ(ErrorMetadata(s, "operation"), "getInvoice");
    EXPECT_EQ(ErrorMetadata(s, "http_status"), std::to_string(GetParam().http));
    EXPECT_THAT(std::string(s.message()), HasSubstr("upstream text"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, HttpStatusTableTest,
    ::testing::Values(
        Row{200, absl::StatusCode::kOk, ""},
        Row{201, absl::StatusCode::kOk, ""},
        Row{202, absl::StatusCode::kOk, ""},
        Row{301, absl::StatusCode::kInternal, "UPSTREAM_REDIRECT_REFUSED"},
        Row{400, absl::StatusCode::kInvalidArgument,
            "UPSTREAM_INVALID_ARGUMENT"},
        Row{401, absl::StatusCode::kUnauthenticated,
            "UPSTREAM_UNAUTHENTICATED"},
        Row{403, absl::StatusCode::kPermissionDenied,
            "UPSTREAM_PERMISSION_DENIED"},
        Row{404, absl::StatusCode::kNotFound, "UPSTREAM_NOT_FOUND"},
        Row{405, absl::StatusCode::kFailedPrecondition,
            "TARGET_SYSTEM_NOT_FOUND"},
        Row{409, absl::StatusCode::kAborted, "UPSTREAM_CONFLICT"},
        Row{418, absl::StatusCode::kFailedPrecondition,
            "UPSTREAM_CLIENT_ERROR"},
        Row{429, absl::StatusCode::kResourceExhausted, "UPSTREAM_RATE_LIMITED"},
        Row{500, absl::StatusCode::kUnavailable, "UPSTREAM_UNAVAILABLE"},
        Row{501, absl::StatusCode::kUnimplemented, "TARGET_SYSTEM_UNSUPPORTED"},
        Row{502, absl::StatusCode::kUnavailable, "UPSTREAM_UNAVAILABLE"},
        Row{503, absl::StatusCode::kUnavailable, "UPSTREAM_UNAVAILABLE"},
        Row{504, absl::StatusCode::kUnavailable, "UPSTREAM_UNAVAILABLE"},
        Row{599, absl::StatusCode::kUnavailable, "UPSTREAM_UNAVAILABLE"}));

TEST(HttpStatusTest, NotSupportedBy404IsUnimplemented) {
  HttpResponse r{404, {}, R"({"message": "Not supported by target system"})"};
  EXPECT_THAT(StatusFromHttpResponse(r, "getBill"),
              StatusIs(absl::StatusCode::kUnimplemented));
}

TEST(HttpStatusTest, RetryAfterBecomesRetryInfo) {
  HttpResponse r{429, {{"retry-after", "7"}}, ""};
  absl::Status s = StatusFromHttpResponse(r, "getBill");
  absl::Duration d;
  ASSERT_TRUE(RetryDelay(s, &d));
  EXPECT_EQ(d, absl::Seconds(7));
}

TEST(HttpStatusTest, ParseRetryAfter) {
  const absl::Time now = absl::FromUnixSeconds(1609459200);
  EXPECT_EQ(ParseRetryAfter("3", now), absl::Seconds(3));
  EXPECT_EQ(ParseRetryAfter("Fri, 01 Jan 2021 00:00:10 GMT", now),
            absl::Seconds(10));
  EXPECT_FALSE(ParseRetryAfter("soon", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("-1", now).has_value());
}

TEST(HttpStatusTest, ValidationErrorsBecomeViolations) {
  HttpResponse r{
      400,
      {},
      R"({"message": "Bad", "validationErrors": {"invoiceDate": "required"}})"};
  absl::Status s = StatusFromHttpResponse(r, "createInvoice");
  EXPECT_TRUE(s.GetPayload(kBadRequestUrl).has_value());
}

}  // namespace
}  // namespace maesn::gateway
