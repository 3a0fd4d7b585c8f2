#include "gateway/service/grpc_status.h"

#include <gtest/gtest.h>

#include "gateway/common/errors.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace maesn::gateway {
namespace {

google::rpc::Status Details(const grpc::Status& s) {
  google::rpc::Status out;
  EXPECT_TRUE(out.ParseFromString(s.error_details()));
  return out;
}

TEST(GrpcStatusTest, OkIsOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(GrpcStatusTest, CodeMessageAndDetailsCarryOver) {
  absl::Status s = absl::UnavailableError("Maesn answered HTTP 503");
  s = WithErrorInfo(s, "UPSTREAM_UNAVAILABLE", {{"http_status", "503"}});
  s = WithRetryDelay(s, absl::Seconds(2));
  grpc::Status g = ToGrpcStatus(s);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(g.error_message(), "Maesn answered HTTP 503");
  google::rpc::Status d = Details(g);
  EXPECT_EQ(d.code(), 14);
  ASSERT_EQ(d.details_size(), 2);
  bool saw_info = false, saw_retry = false;
  for (const auto& any : d.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::RetryInfo retry;
    if (any.UnpackTo(&info)) {
      saw_info = true;
      EXPECT_EQ(info.reason(), "UPSTREAM_UNAVAILABLE");
      EXPECT_EQ(info.domain(), "gateway.maesn.dev");
      EXPECT_EQ(info.metadata().at("http_status"), "503");
    } else if (any.UnpackTo(&retry)) {
      saw_retry = true;
      EXPECT_EQ(retry.retry_delay().seconds(), 2);
    }
  }
  EXPECT_TRUE(saw_info);
  EXPECT_TRUE(saw_retry);
}

TEST(GrpcStatusTest, EveryErrorGetsAReason) {
  google::rpc::Status d =
      Details(ToGrpcStatus(absl::InvalidArgumentError("bad")));
  ASSERT_EQ(d.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(d.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "INVALID_ARGUMENT");
}

TEST(GrpcStatusTest, CredentialsAreRedacted) {
  Credentials creds{"api-SECRET-1", "acct-SECRET-2"};
  absl::Status s =
      absl::PermissionDeniedError("key api-SECRET-1 / acct-SECRET-2 rejected");
  s = WithErrorInfo(s, "X", {{"echo", "acct-SECRET-2"}, {"operation", "op"}});
  s = WithFieldViolations(s, {{"f", "api-SECRET-1 is not allowed"}});
  s.SetPayload("type.googleapis.com/some.Unknown", absl::Cord("acct-SECRET-2"));
  grpc::Status g = ToGrpcStatus(s, &creds);
  EXPECT_EQ(g.error_message().find("SECRET"), std::string::npos);
  EXPECT_EQ(g.error_details().find("SECRET"), std::string::npos);
  // The known details survive, cleaned; the unknown one is dropped.
  google::rpc::Status d = Details(g);
  ASSERT_EQ(d.details_size(), 2);  // in no particular order
  google::rpc::ErrorInfo info;
  google::rpc::BadRequest bad;
  for (const auto& any : d.details()) {
    if (any.Is<google::rpc::ErrorInfo>()) {
      ASSERT_TRUE(any.UnpackTo(&info));
    }
    if (any.Is<google::rpc::BadRequest>()) {
      ASSERT_TRUE(any.UnpackTo(&bad));
    }
  }
  EXPECT_EQ(info.reason(), "X");
  EXPECT_EQ(info.metadata().at("echo"), "[REDACTED]");
  EXPECT_EQ(info.metadata().at("operation"), "op");
  ASSERT_EQ(bad.field_violations_size(), 1);
  EXPECT_EQ(bad.field_violations(0).description(), "[REDACTED] is not allowed");
}

TEST(GrpcStatusTest, FromGrpcStatusIsTheInverse) {
  absl::Status s = WithRetryDelay(
      WithErrorInfo(absl::UnavailableError("down"), "UPSTREAM_UNAVAILABLE"),
      absl::Milliseconds(1500));
  absl::Status back = FromGrpcStatus(ToGrpcStatus(s));
  EXPECT_EQ(back.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(back.message(), "down");
  EXPECT_EQ(ErrorReason(back), "UPSTREAM_UNAVAILABLE");
  absl::Duration d;
  ASSERT_TRUE(RetryDelay(back, &d));
  EXPECT_EQ(d, absl::Milliseconds(1500));
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

}  // namespace
}  // namespace maesn::gateway
