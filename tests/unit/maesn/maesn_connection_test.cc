#include "gateway/maesn/maesn_connection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "gateway/common/errors.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/mock_maesn_stub.h"
#include "tests/testing/status_matchers.h"

namespace maesn::gateway {
namespace {

using ::maesn::testing::FakeClock;
using ::maesn::testing::IsOk;
using ::maesn::testing::MockMaesnStub;
using ::maesn::testing::StatusIs;
using ::testing::_;
using ::testing::Return;

absl::Status Http(int code) {
  absl::Status s(code == 429   ? absl::StatusCode::kResourceExhausted
                 : code >= 500 ? absl::StatusCode::kUnavailable
                               : absl::StatusCode::kNotFound,
                 "upstream");
  return WithErrorInfo(std::move(s), "X",
                       {{"http_status", std::to_string(code)}});
}

class ConnectionTest : public ::testing::Test {
 protected:
  ConnectionTest()
      : stub_(std::make_shared<::testing::StrictMock<MockMaesnStub>>()),
        clock_(std::make_shared<FakeClock>()),
        conn_(stub_,
              RetryPolicy{4, absl::Milliseconds(100), absl::Seconds(5), 2},
              clock_) {
    call_.deadline = clock_->Now() + absl::Seconds(60);
  }
  std::shared_ptr<::testing::StrictMock<MockMaesnStub>> stub_;
  std::shared_ptr<FakeClock> clock_;
  MaesnConnection conn_;
  CallContext call_;
};

TEST_F(ConnectionTest, ReadSucceedsFirstTime) {
  EXPECT_CALL(*stub_, GetInvoice(_, _))
      .WillOnce(Return(v1::GetInvoiceResponse{}));
  EXPECT_THAT(conn_.GetInvoice(call_, {}), IsOk());
  EXPECT_TRUE(clock_->sleeps().empty());
}

TEST_F(ConnectionTest, ReadRetriesTransientsWithGrowingJitteredBackoff) {
  EXPECT_CALL(*stub_, GetBill(_, _))
      .WillOnce(Return(Http(503)))
      .WillOnce(Return(Http(502)))
      .WillOnce(Return(v1::GetBillResponse{}));
  EXPECT_THAT(conn_.GetBill(call_, {}), IsOk());
  ASSERT_EQ(clock_->sleeps().size(), 2u);
  EXPECT_LE(clock_->sleeps()[0], absl::Milliseconds(100));
  EXPECT_LE(clock_->sleeps()[1], absl::Milliseconds(200));
}

TEST_F(ConnectionTest, ReadStopsAtAttemptCap) {
  EXPECT_CALL(*stub_, GetTask(_, _)).Times(4).WillRepeatedly(Return(Http(504)));
  EXPECT_THAT(conn_.GetTask(call_, {}),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ConnectionTest, PermanentErrorsAreNotRetried) {
  EXPECT_CALL(*stub_, GetInvoice(_, _)).WillOnce(Return(Http(404)));
  EXPECT_THAT(conn_.GetInvoice(call_, {}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_CALL(*stub_, GetInvoice(_, _)).WillOnce(Return(Http(500)));
  EXPECT_THAT(conn_.GetInvoice(call_, {}),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ConnectionTest, RetryAfterIsHonoured) {
  EXPECT_CALL(*stub_, GetInvoice(_, _))
      .WillOnce(Return(WithRetryDelay(Http(429), absl::Seconds(3))))
      .WillOnce(Return(v1::GetInvoiceResponse{}));
  EXPECT_THAT(conn_.GetInvoice(call_, {}), IsOk());
  ASSERT_EQ(clock_->sleeps().size(), 1u);
  EXPECT_GE(clock_->sleeps()[0], absl::Seconds(3));
}

TEST_F(ConnectionTest, NeverSleepsPastTheDeadline) {
  call_.deadline = clock_->Now() + absl::Seconds(2);
  EXPECT_CALL(*stub_, GetInvoice(_, _))
      .WillOnce(Return(WithRetryDelay(Http(429), absl::Seconds(3))));
  EXPECT_THAT(conn_.GetInvoice(call_, {}),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_TRUE(clock_->sleeps().empty());
}

TEST_F(ConnectionTest, ConnectionErrorsAreRetriedButTimeoutsAreNot) {
  absl::Status refused =
      WithErrorInfo(absl::UnavailableError("refused"), "UPSTREAM_UNAVAILABLE");
  absl::Status bad_cert = WithErrorInfo(absl::UnavailableError("cert"),
                                        "UPSTREAM_TLS_VERIFICATION_FAILED");
  EXPECT_TRUE(IsRetryable(refused));
  EXPECT_FALSE(IsRetryable(bad_cert));
  EXPECT_FALSE(IsRetryable(absl::DeadlineExceededError("slow")));
  EXPECT_FALSE(IsRetryable(WithErrorInfo(absl::ResourceExhaustedError("big"),
                                         "UPSTREAM_RESPONSE_TOO_LARGE")));
}

}  // namespace
}  // namespace maesn::gateway
