// MaesnConnection for invoices and bills: lists page with tokens and are
// retried like reads; writes run exactly once and label unknown outcomes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/common/errors.h"
#include "gateway/maesn/maesn_connection.h"
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
using ::testing::DoAll;
using ::testing::Field;
using ::testing::Pointee;
using ::testing::Return;

absl::Status Http(int code) {
  absl::Status s(code >= 500 ? absl::StatusCode::kUnavailable
                             : absl::StatusCode::kInvalidArgument,
                 "upstream");
  return WithErrorInfo(std::move(s), "X",
                       {{"http_status", std::to_string(code)}});
}

// A transport-level failure after (or before) the request left.
absl::Status Transport(absl::Status s, bool sent) {
  return WithErrorMetadata(std::move(s), "request_sent",
                           sent ? "true" : "false");
}

// What the transport does on every attempt: count it (the connection reads
// the count to tell a write that never left from one that did), then answer.
auto CountAttempt() {
  return [](CallContext& call, auto&&...) { ++call.stats.attempts; };
}

v1::ListInvoicesResponse InvoicePage(int first, int count, int page,
                                     int total_pages, int total) {
  v1::ListInvoicesResponse r;
  for (int i = 0; i < count; ++i) {
    r.add_invoices()->set_invoice_id("inv-" + std::to_string(first + i));
  }
  auto* p = r.mutable_meta()->mutable_pagination();
  p->set_current_page(page);
  p->set_total_pages(total_pages);
  p->set_total(total);
  p->set_per_page(count);
  return r;
}

class ConnectionListWriteTest : public ::testing::Test {
 protected:
  ConnectionListWriteTest()
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

TEST_F(ConnectionListWriteTest, WalksPagesWithTokens) {
  EXPECT_CALL(*stub_, Call(_, Rpc("ListInvoices"), _,
                           Pointee(Field(&PagePosition::page, 1)), _))
      .WillOnce(Answer(InvoicePage(0, 5, 1, 3, 12)));
  EXPECT_CALL(*stub_, Call(_, Rpc("ListInvoices"), _,
                           Pointee(Field(&PagePosition::page, 2)), _))
      .WillOnce(Answer(InvoicePage(5, 5, 2, 3, 12)));
  EXPECT_CALL(*stub_, Call(_, Rpc("ListInvoices"), _,
                           Pointee(Field(&PagePosition::page, 3)), _))
      .WillOnce(Answer(InvoicePage(10, 2, 3, 3, 12)));
  v1::ListInvoicesRequest req;
  req.set_page_size(5);
  req.set_status(v1::DOCUMENT_STATUS_OPEN);
  std::vector<std::string> ids;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = Invoke<v1::ListInvoicesResponse>(conn_, call_, req);
    ASSERT_THAT(page, IsOk());
    EXPECT_EQ(page->total_size(), 12);
    for (const auto& inv : page->invoices()) ids.push_back(inv.invoice_id());
    if (page->next_page_token().empty()) break;
    req.set_page_token(page->next_page_token());
  }
  EXPECT_EQ(ids.size(), 12u);
  EXPECT_EQ(ids.front(), "inv-0");
  EXPECT_EQ(ids.back(), "inv-11");
}

TEST_F(ConnectionListWriteTest, LimitComesFromPageSize) {
  EXPECT_CALL(*stub_, Call(_, Rpc("ListBills"), _,
                           Pointee(Field(&PagePosition::limit, 50)), _))
      .WillOnce(Answer(v1::ListBillsResponse{}));
  v1::ListBillsRequest req;
  req.set_page_size(33);
  EXPECT_THAT(Invoke<v1::ListBillsResponse>(conn_, call_, req), IsOk());
}

TEST_F(ConnectionListWriteTest, BadTokenFailsWithoutUpstreamCall) {
  v1::ListInvoicesRequest req;
  req.set_page_token("this is not ours");
  EXPECT_THAT(Invoke<v1::ListInvoicesResponse>(conn_, call_, req),
              StatusIs(absl::StatusCode::kInvalidArgument));
  v1::ListInvoiceLineItemsRequest lines;
  lines.set_page_size(-1);
  EXPECT_THAT(Invoke<v1::ListInvoiceLineItemsResponse>(conn_, call_, lines),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ConnectionListWriteTest, ListPagesAreRetriedLikeReads) {
  EXPECT_CALL(*stub_, Call(_, Rpc("ListInvoices"), _, _, _))
      .WillOnce(Return(Http(503)))
      .WillOnce(Answer(InvoicePage(0, 1, 1, 1, 1)));
  EXPECT_THAT(
      Invoke<v1::ListInvoicesResponse>(conn_, call_, v1::ListInvoicesRequest{}),
      IsOk());
  EXPECT_EQ(clock_->sleeps().size(), 1u);
}

TEST_F(ConnectionListWriteTest, CreateThatGets5xxRunsOnceAndIsUnknown) {
  EXPECT_CALL(*stub_, Call(_, Rpc("CreateInvoice"), _, _, _))
      .WillOnce(DoAll(CountAttempt(), Return(Http(503))));
  auto r = Invoke<v1::CreateInvoiceResponse>(conn_, call_,
                                             v1::CreateInvoiceRequest{});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(ErrorMetadata(r.status(), "write_outcome"), "UNKNOWN");
  EXPECT_TRUE(clock_->sleeps().empty());
}

TEST_F(ConnectionListWriteTest, WriteThatTimesOutRunsOnceAndIsUnknown) {
  EXPECT_CALL(*stub_, Call(_, Rpc("CreateBill"), _, _, _))
      .WillOnce(
          DoAll(CountAttempt(),
                Return(Transport(absl::DeadlineExceededError("slow"), true))));
  auto r =
      Invoke<v1::CreateBillResponse>(conn_, call_, v1::CreateBillRequest{});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(ErrorMetadata(r.status(), "write_outcome"), "UNKNOWN");
}

TEST_F(ConnectionListWriteTest, EveryWriteRunsExactlyOnce) {
  // Retryable for a read, but a write is never repeated.
  EXPECT_CALL(*stub_, Call(_, Rpc("UpdateInvoice"), _, _, _))
      .WillOnce(DoAll(CountAttempt(), Return(Http(502))));
  EXPECT_CALL(*stub_, Call(_, Rpc("CreateInvoiceLineItem"), _, _, _))
      .WillOnce(DoAll(CountAttempt(), Return(Http(504))));
  EXPECT_CALL(*stub_, Call(_, Rpc("UpdateInvoiceLineItem"), _, _, _))
      .WillOnce(DoAll(CountAttempt(), Return(Http(429))));
  EXPECT_CALL(*stub_, Call(_, Rpc("UpdateBill"), _, _, _))
      .WillOnce(DoAll(
          CountAttempt(),
          Return(Transport(WithErrorInfo(absl::UnavailableError("refused"),
                                         "UPSTREAM_UNAVAILABLE"),
                           false))));
  EXPECT_CALL(*stub_, Call(_, Rpc("DeleteBill"), _, _, _))
      .WillOnce(DoAll(CountAttempt(), Return(Http(503))));
  EXPECT_CALL(*stub_, Call(_, Rpc("CreateBillLineItem"), _, _, _))
      .WillOnce(DoAll(CountAttempt(), Return(Http(500))));
  EXPECT_CALL(*stub_, Call(_, Rpc("UpdateBillLineItem"), _, _, _))
      .WillOnce(DoAll(CountAttempt(), Return(Http(400))));
  EXPECT_EQ(ErrorMetadata(Invoke<v1::UpdateInvoiceResponse>(
                              conn_, call_, v1::UpdateInvoiceRequest{})
                              .status(),
                          "write_outcome"),
            "UNKNOWN");
  EXPECT_EQ(ErrorMetadata(Invoke<v1::CreateInvoiceLineItemResponse>(
                              conn_, call_, v1::CreateInvoiceLineItemRequest{})
                              .status(),
                          "write_outcome"),
            "UNKNOWN");
  // 429: Maesn refused it; nothing was written.
  EXPECT_EQ(ErrorMetadata(Invoke<v1::UpdateInvoiceLineItemResponse>(
                              conn_, call_, v1::UpdateInvoiceLineItemRequest{})
                              .status(),
                          "write_outcome"),
            "REJECTED");
  EXPECT_EQ(ErrorMetadata(Invoke<v1::UpdateBillResponse>(
                              conn_, call_, v1::UpdateBillRequest{})
                              .status(),
                          "write_outcome"),
            "NOT_SENT");
  EXPECT_EQ(ErrorMetadata(Invoke<v1::DeleteBillResponse>(
                              conn_, call_, v1::DeleteBillRequest{})
                              .status(),
                          "write_outcome"),
            "UNKNOWN");
  EXPECT_EQ(ErrorMetadata(Invoke<v1::CreateBillLineItemResponse>(
                              conn_, call_, v1::CreateBillLineItemRequest{})
                              .status(),
                          "write_outcome"),
            "UNKNOWN");
  EXPECT_EQ(ErrorMetadata(Invoke<v1::UpdateBillLineItemResponse>(
                              conn_, call_, v1::UpdateBillLineItemRequest{})
                              .status(),
                          "write_outcome"),
            "REJECTED");
  EXPECT_TRUE(clock_->sleeps().empty());
}

TEST_F(ConnectionListWriteTest, OtherReadsAreRetried) {
  EXPECT_CALL(*stub_, Call(_, Rpc("GetInvoiceDocument"), _, _, _))
      .WillOnce(Return(Http(502)))
      .WillOnce(Answer(v1::GetInvoiceDocumentResponse{}));
  EXPECT_CALL(*stub_, Call(_, Rpc("GetInvoiceLineItem"), _, _, _))
      .WillOnce(Return(Http(503)))
      .WillOnce(Answer(v1::GetInvoiceLineItemResponse{}));
  EXPECT_CALL(*stub_, Call(_, Rpc("GetBillDocument"), _, _, _))
      .WillOnce(Return(Http(504)))
      .WillOnce(Answer(v1::GetBillDocumentResponse{}));
  EXPECT_CALL(*stub_, Call(_, Rpc("ListBillLineItems"), _, _, _))
      .WillOnce(Return(Http(503)))
      .WillOnce(Answer(v1::ListBillLineItemsResponse{}));
  EXPECT_THAT(Invoke<v1::GetInvoiceDocumentResponse>(
                  conn_, call_, v1::GetInvoiceDocumentRequest{}),
              IsOk());
  EXPECT_THAT(Invoke<v1::GetInvoiceLineItemResponse>(
                  conn_, call_, v1::GetInvoiceLineItemRequest{}),
              IsOk());
  EXPECT_THAT(Invoke<v1::GetBillDocumentResponse>(conn_, call_,
                                                  v1::GetBillDocumentRequest{}),
              IsOk());
  EXPECT_THAT(Invoke<v1::ListBillLineItemsResponse>(
                  conn_, call_, v1::ListBillLineItemsRequest{}),
              IsOk());
  EXPECT_EQ(clock_->sleeps().size(), 4u);
}

}  // namespace
}  // namespace maesn::gateway
