#include "gateway/maesn/page_token.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/ascii.h"
#include "gateway/common/errors.h"
#include "google/rpc/error_details.pb.h"
#include "maesn/accounting/v1/bill.pb.h"
#include "maesn/accounting/v1/invoice.pb.h"
#include "maesn/accounting/v1/task.pb.h"
#include "tests/testing/status_matchers.h"

namespace maesn::gateway {
namespace {

using ::maesn::testing::IsOk;
using ::maesn::testing::StatusIs;
using ::testing::HasSubstr;

// The field named by the status's BadRequest (empty if none).
std::string ViolationField(const absl::Status& s) {
  auto payload = s.GetPayload(kBadRequestUrl);
  google::rpc::BadRequest br;
  if (!payload.has_value() || !br.ParseFromString(std::string(*payload)) ||
      br.field_violations().empty()) {
    return "";
  }
  return br.field_violations(0).field();
}

v1::ListInvoicesRequest Filtered() {
  v1::ListInvoicesRequest r;
  r.set_company_id("c1");
  r.set_status(v1::DOCUMENT_STATUS_OPEN);
  r.set_order_by(v1::INVOICE_ORDER_FIELD_INVOICE_DATE);
  r.mutable_modified_since()->set_seconds(1700000000);
  return r;
}

v1::ResponseMeta Pages(int32_t current, int32_t total_pages, int32_t total) {
  v1::ResponseMeta meta;
  meta.mutable_pagination()->set_current_page(current);
  meta.mutable_pagination()->set_total_pages(total_pages);
  meta.mutable_pagination()->set_total(total);
  meta.mutable_pagination()->set_per_page(5);
  return meta;
}

TEST(MaesnLimitTest, RoundsUpToAllowedLimitsAndCaps) {
  const std::pair<int, int> cases[] = {
      {0, 0},     {1, 5},     {5, 5},        {6, 10},  {10, 10},
      {11, 20},   {20, 20},   {21, 50},      {50, 50}, {51, 100},
      {100, 100}, {101, 100}, {1 << 30, 100}};
  for (auto [page_size, limit] : cases) {
    auto got = MaesnLimitForPageSize(page_size);
    ASSERT_THAT(got, IsOk()) << page_size;
    EXPECT_EQ(*got, limit) << page_size;
  }
}

TEST(MaesnLimitTest, NegativeIsInvalidArgumentNamingPageSize) {
  auto got = MaesnLimitForPageSize(-1);
  EXPECT_THAT(got, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ViolationField(got.status()), "page_size");
}

TEST(PageTokenTest, FirstPageWithoutToken) {
  v1::ListInvoicesRequest r = Filtered();
  r.set_page_size(7);
  auto pos = StartPosition(r);
  ASSERT_THAT(pos, IsOk());
  EXPECT_EQ(pos->page, 1);
  EXPECT_EQ(pos->limit, 10);
}

TEST(PageTokenTest, TokenCarriesPageAndLimitAndIsUrlSafe) {
  v1::ListInvoicesRequest r = Filtered();
  r.set_page_size(20);
  const std::string token = MakePageToken(r, PagePosition{42, 20});
  EXPECT_FALSE(token.empty());
  for (char c : token) {
    EXPECT_TRUE(absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                c == '-' || c == '_')
        << token;
  }
  r.set_page_token(token);
  auto pos = StartPosition(r);
  ASSERT_THAT(pos, IsOk());
  EXPECT_EQ(pos->page, 42);
  EXPECT_EQ(pos->limit, 20);
  // A page size that maps to the same Maesn limit is fine.
  r.set_page_size(11);
  EXPECT_THAT(StartPosition(r), IsOk());
}

TEST(PageTokenTest, TokenReplayedWithOtherFiltersIsRejected) {
  v1::ListInvoicesRequest first = Filtered();
  const std::string token = MakePageToken(first, PagePosition{2, 0});
  auto with = [&](auto change) {
    v1::ListInvoicesRequest r = Filtered();
    change(r);
    r.set_page_token(token);
    return StartPosition(r);
  };
  EXPECT_THAT(with([](auto&) {}), IsOk());
  for (auto status : {
           with([](auto& r) { r.set_status(v1::DOCUMENT_STATUS_PAID); }),
           with([](auto& r) { r.clear_status(); }),
           with([](auto& r) { r.set_company_id("c2"); }),
           with([](auto& r) { r.set_raw_data(true); }),
           with([](auto& r) { r.mutable_modified_since()->set_nanos(1); }),
           with([](auto& r) {
             r.set_order_direction(v1::ORDER_DIRECTION_DESC);
           }),
       }) {
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                                 HasSubstr("other values")));
    EXPECT_EQ(ViolationField(status.status()), "page_token");
  }
}

TEST(PageTokenTest, TokenOfAnotherMethodIsRejected) {
  v1::ListBillsRequest bills;
  bills.set_company_id("c1");
  v1::ListInvoicesRequest invoices;
  invoices.set_company_id("c1");
  invoices.set_page_token(MakePageToken(bills, PagePosition{2, 0}));
  EXPECT_THAT(StartPosition(invoices),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PageTokenTest, ChangedLimitIsRejectedNamingPageSize) {
  v1::ListInvoicesRequest r = Filtered();
  r.set_page_size(5);
  r.set_page_token(MakePageToken(r, PagePosition{3, 5}));
  r.set_page_size(50);
  auto pos = StartPosition(r);
  EXPECT_THAT(pos, StatusIs(absl::StatusCode::kInvalidArgument,
                            HasSubstr("must stay the same")));
  EXPECT_EQ(ViolationField(pos.status()), "page_size");
}

TEST(PageTokenTest, GarbageIsRejected) {
  v1::ListInvoicesRequest base = Filtered();
  const std::string good = MakePageToken(base, PagePosition{2, 10});
  std::string flipped_version = good;
  flipped_version[0] = flipped_version[0] == 'A' ? 'B' : 'A';
  for (const std::string& garbage :
       {std::string("x"), std::string("not a token"), std::string("%%%"),
        good.substr(0, good.size() - 2), good + "AAAA", flipped_version,
        std::string(5000, 'A'),
        // Well-formed but page 1 and page 0: never issued.
        MakePageToken(base, PagePosition{1, 10}),
        MakePageToken(base, PagePosition{0, 10}),
        // A limit Maesn does not accept.
        MakePageToken(base, PagePosition{2, 7})}) {
    v1::ListInvoicesRequest r = base;
    r.set_page_size(10);
    r.set_page_token(garbage);
    auto pos = StartPosition(r);
    EXPECT_THAT(pos, StatusIs(absl::StatusCode::kInvalidArgument)) << garbage;
    EXPECT_EQ(ViolationField(pos.status()), "page_token") << garbage;
  }
}

TEST(PageTokenTest, NegativePageSizeIsRejectedBeforeTheToken) {
  v1::ListInvoicesRequest r;
  r.set_page_size(-5);
  r.set_page_token("garbage");
  auto pos = StartPosition(r);
  EXPECT_EQ(ViolationField(pos.status()), "page_size");
}

TEST(PageTokenTest, ARequestWithItsOwnPageSendsItOnlyWhenSet) {
  v1::GetTaskRequest r;
  r.set_task_id("t1");
  auto first = StartPosition(r);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->page, 1);
  EXPECT_FALSE(first->send_page);
  r.set_page(3);
  auto jump = StartPosition(r);
  ASSERT_THAT(jump, IsOk());
  EXPECT_EQ(jump->page, 3);
  EXPECT_TRUE(jump->send_page);
  // A list request has no page of its own: page 1 is always sent.
  auto list = StartPosition(Filtered());
  ASSERT_THAT(list, IsOk());
  EXPECT_TRUE(list->send_page);
}

TEST(PageTokenTest, ATokenContinuesARequestThatJumpedToAPage) {
  v1::GetTaskRequest r;
  r.set_task_id("t1");
  r.set_page(3);
  const std::string token = MakePageToken(r, PagePosition{4, 0});
  r.set_page(0);
  r.set_page_token(token);
  auto pos = StartPosition(r);
  ASSERT_THAT(pos, IsOk());
  EXPECT_EQ(pos->page, 4);
  EXPECT_TRUE(pos->send_page);
}

TEST(PageTokenTest, APageIsNeitherNegativeNorSetTogetherWithAToken) {
  v1::GetTaskRequest r;
  r.set_task_id("t1");
  r.set_page(-1);
  auto negative = StartPosition(r);
  EXPECT_THAT(negative, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ViolationField(negative.status()), "page");
  r.set_page(2);
  r.set_page_token(MakePageToken(r, PagePosition{2, 0}));
  auto both = StartPosition(r);
  EXPECT_THAT(both, StatusIs(absl::StatusCode::kInvalidArgument,
                             HasSubstr("page_token")));
  EXPECT_EQ(ViolationField(both.status()), "page");
}

TEST(DecidePageTest, NextTokenOnlyWhilePaginationSaysMore) {
  v1::ListInvoicesRequest r = Filtered();
  r.set_page_size(5);
  PageOutcome mid = DecidePage(r, PagePosition{1, 5}, Pages(1, 3, 12), 5);
  EXPECT_FALSE(mid.next_page_token.empty());
  EXPECT_EQ(mid.total_size, 12);
  r.set_page_token(mid.next_page_token);
  auto next = StartPosition(r);
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->page, 2);
  EXPECT_EQ(next->limit, 5);

  PageOutcome last = DecidePage(r, PagePosition{3, 5}, Pages(3, 3, 12), 2);
  EXPECT_TRUE(last.next_page_token.empty());
  EXPECT_EQ(last.total_size, 12);
}

// Without pagination meta a full page used to end the list silently; it
// now asks for the next page, until a short or empty one.
TEST(DecidePageTest, WithoutPaginationAFullPageMayHaveASuccessor) {
  v1::ResponseMeta meta;  // no pagination meta at all
  PageOutcome full = DecidePage(Filtered(), PagePosition{1, 5}, meta, 5);
  EXPECT_FALSE(full.next_page_token.empty());
  EXPECT_EQ(full.total_size, 0);
  v1::ListInvoicesRequest next = Filtered();
  next.set_page_size(5);
  next.set_page_token(full.next_page_token);
  auto position = StartPosition(next);
  ASSERT_TRUE(position.ok()) << position.status();
  EXPECT_EQ(position->page, 2);
  EXPECT_EQ(position->limit, 5);
}

TEST(DecidePageTest, WithoutPaginationAShortEmptyOrOversizedPageIsTheLast) {
  v1::ResponseMeta meta;
  EXPECT_TRUE(DecidePage(Filtered(), PagePosition{2, 5}, meta, 4)
                  .next_page_token.empty());  // short
  EXPECT_TRUE(DecidePage(Filtered(), PagePosition{2, 5}, meta, 0)
                  .next_page_token.empty());  // empty
  // More than asked: the target ignores paging and sent everything.
  EXPECT_TRUE(DecidePage(Filtered(), PagePosition{1, 5}, meta, 12)
                  .next_page_token.empty());
  // No limit sent: Maesn's page size is unknown.
  EXPECT_TRUE(DecidePage(Filtered(), PagePosition{1, 0}, meta, 100)
                  .next_page_token.empty());
}

TEST(DecidePageTest, EmptyPageEndsEvenIfPaginationSaysMore) {
  PageOutcome out =
      DecidePage(Filtered(), PagePosition{2, 5}, Pages(2, 9, 45), 0);
  EXPECT_TRUE(out.next_page_token.empty());
}

TEST(DecidePageTest, TotalAndPerPageWhenTotalPagesIsMissing) {
  v1::ResponseMeta meta;
  meta.mutable_pagination()->set_total(11);
  meta.mutable_pagination()->set_per_page(5);
  EXPECT_FALSE(DecidePage(Filtered(), PagePosition{2, 5}, meta, 5)
                   .next_page_token.empty());
  EXPECT_TRUE(DecidePage(Filtered(), PagePosition{3, 5}, meta, 1)
                  .next_page_token.empty());
  // No overflow at the extremes.
  meta.mutable_pagination()->set_total(2147483647);
  meta.mutable_pagination()->set_per_page(1);
  EXPECT_EQ(DecidePage(Filtered(), PagePosition{1, 5}, meta, 1).total_size,
            2147483647);
  EXPECT_FALSE(DecidePage(Filtered(), PagePosition{2147483646, 5}, meta, 1)
                   .next_page_token.empty());
  EXPECT_TRUE(DecidePage(Filtered(), PagePosition{2147483647, 5}, meta, 1)
                  .next_page_token.empty());
}

}  // namespace
}  // namespace maesn::gateway
