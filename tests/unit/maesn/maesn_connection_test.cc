#include "gateway/maesn/maesn_connection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/common/errors.h"
#include "google/rpc/error_details.pb.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/mock_maesn_stub.h"
#include "tests/testing/status_matchers.h"

namespace maesn::gateway {
namespace {

using ::maesn::testing::Answer;
using ::maesn::testing::FakeClock;
using ::maesn::testing::Invoke;
using ::maesn::testing::IsOk;
using ::maesn::testing::MockMaesnStub;
using ::maesn::testing::Rpc;
using ::maesn::testing::StatusIs;
using ::testing::_;
using ::testing::Pointee;
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

// Timers the test fires by hand.
class ManualTimers final : public AsyncTimers {
 public:
  struct Pending {
    absl::Duration delay;
    Callback callback;
    bool cancelled = false;
  };
  class Handle final : public AsyncOperation {
   public:
    explicit Handle(ManualTimers* timers, size_t i) : timers_(timers), i_(i) {}
    void Cancel() override { timers_->pending_[i_].cancelled = true; }

   private:
    ManualTimers* timers_;
    size_t i_;
  };

  std::shared_ptr<AsyncOperation> RunAfter(absl::Duration delay,
                                           Callback callback) override {
    pending_.push_back(Pending{delay, std::move(callback)});
    return std::make_shared<Handle>(this, pending_.size() - 1);
  }
  // Runs timer `i` as the event loop would: OK, or CANCELLED if cancelled.
  void Fire(size_t i) {
    Pending& p = pending_[i];
    std::move(p.callback)(p.cancelled ? absl::CancelledError("cancelled")
                                      : absl::OkStatus());
  }
  std::vector<Pending> pending_;
};

TEST(ConnectionTimersTest, RetryWaitsAreTimersNotSleepsAndCancelEndsThem) {
  auto stub = std::make_shared<::testing::StrictMock<MockMaesnStub>>();
  auto clock = std::make_shared<FakeClock>();
  auto timers = std::make_shared<ManualTimers>();
  MaesnConnection conn(
      stub, RetryPolicy{4, absl::Milliseconds(100), absl::Seconds(5), 2}, clock,
      nullptr, timers);
  EXPECT_CALL(*stub, Call(_, Rpc("GetBill"), _, _, _))
      .WillOnce(Return(Http(503)))
      .WillOnce(Answer(v1::GetBillResponse{}));
  CallContext call;
  call.deadline = clock->Now() + absl::Seconds(60);
  call.cancel = std::make_shared<CancelSource>();
  v1::GetBillRequest request;
  v1::GetBillResponse response;
  std::optional<absl::Status> done;
  conn.AsyncCall(call, testing::BindingFor(v1::GetBillRequest::descriptor()),
                 request, response,
                 [&done](absl::Status s) { done = std::move(s); });
  // The 503 left a timer behind, not a sleeping thread.
  EXPECT_FALSE(done.has_value());
  EXPECT_TRUE(clock->sleeps().empty());
  ASSERT_EQ(timers->pending_.size(), 1u);
  EXPECT_LE(timers->pending_[0].delay, absl::Milliseconds(100));
  timers->Fire(0);
  ASSERT_TRUE(done.has_value());
  EXPECT_THAT(*done, IsOk());

  // A caller who leaves during the wait ends it: no further attempt, and
  // the last error stands.
  EXPECT_CALL(*stub, Call(_, Rpc("GetBill"), _, _, _))
      .WillOnce(Return(Http(503)));
  CallContext leaving;
  leaving.deadline = clock->Now() + absl::Seconds(60);
  leaving.cancel = std::make_shared<CancelSource>();
  done.reset();
  conn.AsyncCall(leaving, testing::BindingFor(v1::GetBillRequest::descriptor()),
                 request, response,
                 [&done](absl::Status s) { done = std::move(s); });
  ASSERT_EQ(timers->pending_.size(), 2u);
  leaving.cancel->Cancel();
  EXPECT_TRUE(timers->pending_[1].cancelled);
  timers->Fire(1);
  ASSERT_TRUE(done.has_value());
  EXPECT_THAT(*done, StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ConnectionTest, ReadSucceedsFirstTime) {
  EXPECT_CALL(*stub_, Call(_, Rpc("GetInvoice"), _, _, _))
      .WillOnce(Answer(v1::GetInvoiceResponse{}));
  EXPECT_THAT(
      Invoke<v1::GetInvoiceResponse>(conn_, call_, v1::GetInvoiceRequest{}),
      IsOk());
  EXPECT_TRUE(clock_->sleeps().empty());
}

TEST_F(ConnectionTest, ReadRetriesTransientsWithGrowingJitteredBackoff) {
  EXPECT_CALL(*stub_, Call(_, Rpc("GetBill"), _, _, _))
      .WillOnce(Return(Http(503)))
      .WillOnce(Return(Http(502)))
      .WillOnce(Answer(v1::GetBillResponse{}));
  EXPECT_THAT(Invoke<v1::GetBillResponse>(conn_, call_, v1::GetBillRequest{}),
              IsOk());
  ASSERT_EQ(clock_->sleeps().size(), 2u);
  EXPECT_LE(clock_->sleeps()[0], absl::Milliseconds(100));
  EXPECT_LE(clock_->sleeps()[1], absl::Milliseconds(200));
}

TEST_F(ConnectionTest, ReadStopsAtAttemptCap) {
  EXPECT_CALL(*stub_, Call(_, Rpc("GetTask"), _, _, _))
      .Times(4)
      .WillRepeatedly(Return(Http(504)));
  EXPECT_THAT(Invoke<v1::GetTaskResponse>(conn_, call_, v1::GetTaskRequest{}),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ConnectionTest, PermanentErrorsAreNotRetried) {
  EXPECT_CALL(*stub_, Call(_, Rpc("GetInvoice"), _, _, _))
      .WillOnce(Return(Http(404)));
  EXPECT_THAT(
      Invoke<v1::GetInvoiceResponse>(conn_, call_, v1::GetInvoiceRequest{}),
      StatusIs(absl::StatusCode::kNotFound));
}

// Maesn's error guide lists 500 as retryable: a read is tried again (it
// used to be given up at once); a write never is (WriteOutcomeTest).
TEST_F(ConnectionTest, InternalServerErrorIsRetriedOnReads) {
  EXPECT_CALL(*stub_, Call(_, Rpc("GetInvoice"), _, _, _))
      .WillOnce(Return(Http(500)))
      .WillOnce(Answer(v1::GetInvoiceResponse{}));
  EXPECT_THAT(
      Invoke<v1::GetInvoiceResponse>(conn_, call_, v1::GetInvoiceRequest{}),
      IsOk());
  EXPECT_EQ(clock_->sleeps().size(), 1u);
}

TEST_F(ConnectionTest, RetryAfterIsHonoured) {
  EXPECT_CALL(*stub_, Call(_, Rpc("GetInvoice"), _, _, _))
      .WillOnce(Return(WithRetryDelay(Http(429), absl::Seconds(3))))
      .WillOnce(Answer(v1::GetInvoiceResponse{}));
  EXPECT_THAT(
      Invoke<v1::GetInvoiceResponse>(conn_, call_, v1::GetInvoiceRequest{}),
      IsOk());
  ASSERT_EQ(clock_->sleeps().size(), 1u);
  EXPECT_GE(clock_->sleeps()[0], absl::Seconds(3));
}

TEST_F(ConnectionTest, NeverSleepsPastTheDeadline) {
  call_.deadline = clock_->Now() + absl::Seconds(2);
  EXPECT_CALL(*stub_, Call(_, Rpc("GetInvoice"), _, _, _))
      .WillOnce(Return(WithRetryDelay(Http(429), absl::Seconds(3))));
  EXPECT_THAT(
      Invoke<v1::GetInvoiceResponse>(conn_, call_, v1::GetInvoiceRequest{}),
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

TEST_F(ConnectionTest, EveryRetryableFailureIsRetriedAndNothingElse) {
  struct Case {
    absl::Status status;
    bool retried;
  };
  const Case cases[] = {
      {Http(429), true},
      {Http(502), true},
      {Http(503), true},
      {Http(504), true},
      {Http(500), true},
      {Http(400), false},
      {Http(404), false},
      {WithErrorInfo(absl::UnavailableError("refused"), "UPSTREAM_UNAVAILABLE"),
       true},
      {WithErrorInfo(absl::UnavailableError("tls"), "UPSTREAM_TLS_FAILED"),
       true},
      {WithErrorInfo(absl::UnavailableError("cert"),
                     "UPSTREAM_TLS_VERIFICATION_FAILED"),
       false},
      {WithErrorInfo(absl::DeadlineExceededError("slow"), "UPSTREAM_TIMEOUT"),
       false},
      {absl::DeadlineExceededError("deadline"), false},
      {absl::CancelledError("gone"), false},
      {WithErrorInfo(absl::ResourceExhaustedError("big"),
                     "UPSTREAM_RESPONSE_TOO_LARGE"),
       false},
      {WithErrorInfo(absl::InternalError("junk"), "INVALID_UPSTREAM_RESPONSE"),
       false},
  };
  for (const Case& c : cases) {
    ::testing::Mock::VerifyAndClearExpectations(stub_.get());
    EXPECT_CALL(*stub_, Call(_, Rpc("GetInvoice"), _, _, _))
        .Times(c.retried ? 4 : 1)
        .WillRepeatedly(Return(c.status));
    absl::Status got =
        Invoke<v1::GetInvoiceResponse>(conn_, call_, v1::GetInvoiceRequest{})
            .status();
    EXPECT_EQ(got.code(), c.status.code()) << c.status;
    EXPECT_EQ(IsRetryable(c.status), c.retried) << c.status;
  }
}

TEST_F(ConnectionTest, BackoffIsFullJitterUnderAGrowingCap) {
  // Many independent reads: every sleep lies in [0, cap(n)], and the sleeps
  // are spread over that range (full jitter), not pinned to the cap.
  std::vector<absl::Duration> first, third;
  for (int i = 0; i < 200; ++i) {
    auto clock = std::make_shared<FakeClock>();
    auto stub = std::make_shared<::testing::NiceMock<MockMaesnStub>>();
    MaesnConnection conn(
        stub, RetryPolicy{4, absl::Milliseconds(100), absl::Seconds(5), 2},
        clock);
    CallContext call;
    call.deadline = clock->Now() + absl::Seconds(60);
    ON_CALL(*stub, Call(_, Rpc("GetBill"), _, _, _))
        .WillByDefault(Return(Http(503)));
    (void)Invoke<v1::GetBillResponse>(conn, call, v1::GetBillRequest{});
    ASSERT_EQ(clock->sleeps().size(), 3u);
    first.push_back(clock->sleeps()[0]);
    third.push_back(clock->sleeps()[2]);
  }
  auto [min1, max1] = std::minmax_element(first.begin(), first.end());
  auto [min3, max3] = std::minmax_element(third.begin(), third.end());
  EXPECT_GE(*min1, absl::ZeroDuration());
  EXPECT_LE(*max1, absl::Milliseconds(100));
  EXPECT_LE(*max3, absl::Milliseconds(400));
  EXPECT_LT(*min1, absl::Milliseconds(30));  // spread, not a fixed delay
  EXPECT_GT(*max3, absl::Milliseconds(250));
}

TEST_F(ConnectionTest, RetryAfterLongerThanMaxWaitGoesBackToTheCaller) {
  EXPECT_CALL(*stub_, Call(_, Rpc("GetInvoice"), _, _, _))
      .WillOnce(Return(WithRetryDelay(Http(429), absl::Seconds(30))));
  absl::Status s =
      Invoke<v1::GetInvoiceResponse>(conn_, call_, v1::GetInvoiceRequest{})
          .status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_TRUE(clock_->sleeps().empty());
  absl::Duration d;
  ASSERT_TRUE(RetryDelay(s, &d));
  EXPECT_EQ(d, absl::Seconds(30));  // Maesn's ask, passed on
}

TEST_F(ConnectionTest, CancelledCallsAreNotRetried) {
  call_.is_cancelled = [] { return true; };
  EXPECT_CALL(*stub_, Call(_, Rpc("GetTask"), _, _, _))
      .WillOnce(Return(Http(503)));
  EXPECT_THAT(Invoke<v1::GetTaskResponse>(conn_, call_, v1::GetTaskRequest{}),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ConnectionTest, FinalRetryableErrorCarriesRetryInfo) {
  EXPECT_CALL(*stub_, Call(_, Rpc("GetBill"), _, _, _))
      .Times(4)
      .WillRepeatedly(Return(Http(502)));
  absl::Status s =
      Invoke<v1::GetBillResponse>(conn_, call_, v1::GetBillRequest{}).status();
  absl::Duration d;
  ASSERT_TRUE(RetryDelay(s, &d));
  EXPECT_EQ(d, RetryPolicy{}.caller_retry_delay);
  // A permanent error carries none.
  EXPECT_CALL(*stub_, Call(_, Rpc("GetBill"), _, _, _))
      .WillOnce(Return(Http(404)));
  EXPECT_FALSE(RetryDelay(
      Invoke<v1::GetBillResponse>(conn_, call_, v1::GetBillRequest{}).status(),
      &d));
}

TEST_F(ConnectionTest, ValidationPathsBecomeRequestFieldPaths) {
  absl::Status s = WithFieldViolations(
      Http(400), {{"companyId", "unknown company"}, {"nonsense.path", "x"}});
  EXPECT_CALL(*stub_, Call(_, Rpc("GetInvoice"), _, _, _)).WillOnce(Return(s));
  absl::Status got =
      Invoke<v1::GetInvoiceResponse>(conn_, call_, v1::GetInvoiceRequest{})
          .status();
  google::rpc::BadRequest bad;
  ASSERT_TRUE(
      bad.ParseFromString(std::string(*got.GetPayload(kBadRequestUrl))));
  ASSERT_EQ(bad.field_violations_size(), 2);
  EXPECT_EQ(bad.field_violations(0).field(), "company_id");
  EXPECT_EQ(bad.field_violations(1).field(), "nonsense.path");  // kept
}

// Writes: FinishError(write=true) is what every write method returns on
// failure (MaesnConnection::Write runs the stub exactly once).
struct OutcomeCase {
  const char* name;
  absl::Status status;
  int attempts;         // upstream attempts made
  int upstream_status;  // HTTP status the transport saw; 0 = none
  const char* outcome;
  bool retry_info;  // the caller is told to retry after a delay
};

class WriteOutcomeTest : public ::testing::TestWithParam<OutcomeCase> {};

TEST_P(WriteOutcomeTest, LabelsTheOutcome) {
  const OutcomeCase& c = GetParam();
  MaesnConnection conn(std::make_shared<MockMaesnStub>(), RetryPolicy{},
                       std::make_shared<FakeClock>());
  CallContext call;
  call.stats.attempts = c.attempts;
  call.stats.upstream_status = c.upstream_status;
  absl::Status s = conn.FinishError(c.status, call, v1::GetInvoiceRequest{},
                                    /*write=*/true);
  EXPECT_EQ(s.code(), c.status.code());
  EXPECT_EQ(ErrorMetadata(s, "write_outcome"), c.outcome) << c.name;
  absl::Duration d;
  EXPECT_EQ(RetryDelay(s, &d), c.retry_info) << c.name;
  const bool advice =
      std::string(s.message()).find("look the record up") != std::string::npos;
  EXPECT_EQ(advice, std::string(c.outcome) == "UNKNOWN" ||
                        std::string(c.outcome) == "APPLIED")
      << s;
}

absl::Status Sent(absl::Status s, const char* sent) {
  return WithErrorMetadata(std::move(s), "request_sent", sent);
}

INSTANTIATE_TEST_SUITE_P(
    Outcomes, WriteOutcomeTest,
    ::testing::Values(
        OutcomeCase{"invalid before sending",
                    absl::InvalidArgumentError("bad enum"), 0, 0, "NOT_SENT",
                    false},
        OutcomeCase{"connection refused",
                    Sent(WithErrorInfo(absl::UnavailableError("refused"),
                                       "UPSTREAM_UNAVAILABLE"),
                         "false"),
                    1, 0, "NOT_SENT", true},
        OutcomeCase{"rejected 400", Http(400), 1, 400, "REJECTED", false},
        OutcomeCase{"rejected 404", Http(404), 1, 404, "REJECTED", false},
        OutcomeCase{"rate limited", WithRetryDelay(Http(429), absl::Seconds(2)),
                    1, 429, "REJECTED", true},
        OutcomeCase{"internal 500", Http(500), 1, 500, "UNKNOWN", false},
        OutcomeCase{"503 with Retry-After",
                    WithRetryDelay(Http(503), absl::Seconds(2)), 1, 503,
                    "UNKNOWN", false},
        OutcomeCase{"timeout after sending",
                    Sent(absl::DeadlineExceededError("slow"), "true"), 1, 0,
                    "UNKNOWN", false},
        OutcomeCase{"connection lost after sending",
                    Sent(WithErrorInfo(absl::UnavailableError("reset"),
                                       "UPSTREAM_UNAVAILABLE"),
                         "true"),
                    1, 0, "UNKNOWN", false},
        OutcomeCase{"cancelled after sending",
                    Sent(absl::CancelledError("gone"), "true"), 1, 0, "UNKNOWN",
                    false},
        OutcomeCase{"2xx but unreadable",
                    WithErrorInfo(absl::InternalError("not JSON"),
                                  "INVALID_UPSTREAM_RESPONSE"),
                    1, 201, "APPLIED", false}));

}  // namespace
}  // namespace maesn::gateway
