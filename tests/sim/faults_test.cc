#include "faults.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/testing/status_matchers.h"

namespace maesn::sim {
namespace {

using ::maesn::testing::IsOk;
using ::maesn::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

ApiRequest Request(std::string method, std::string path,
                   std::string account = "sim-account-key") {
  ApiRequest request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.account_key = std::move(account);
  return request;
}

TEST(ParseFaultRulesTest, ReadsEveryField) {
  absl::StatusOr<std::vector<FaultRule>> rules = ParseFaultRules(R"([
    {"method": "GET", "path": "/accounting/invoices/X", "account": "acc",
     "status": 429, "headers": {"Retry-After": "120"}, "message": "slow down",
     "times": 2},
    {"status": 503}
  ])");
  ASSERT_THAT(rules.status(), IsOk());
  ASSERT_EQ(rules->size(), 2u);
  const FaultRule& first = (*rules)[0];
  EXPECT_EQ(first.method, "GET");
  EXPECT_EQ(first.path, "/accounting/invoices/X");
  EXPECT_EQ(first.account_key, "acc");
  EXPECT_EQ(first.status, 429);
  EXPECT_THAT(first.headers, ElementsAre(Pair("Retry-After", "120")));
  EXPECT_EQ(first.message, "slow down");
  EXPECT_EQ(first.times, 2);
  const FaultRule& second = (*rules)[1];
  EXPECT_TRUE(second.method.empty());
  EXPECT_TRUE(second.path.empty());
  EXPECT_EQ(second.status, 503);
  EXPECT_EQ(second.times, 0);
  EXPECT_THAT(second.message, HasSubstr("503"));
}

TEST(ParseFaultRulesTest, RejectsBadInputNamingTheRule) {
  EXPECT_THAT(ParseFaultRules("not json").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseFaultRules(R"({"status": 500})").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseFaultRules(R"([{"status": 500}, {"status": 200}])").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("fault rule 1: \"status\"")));
  EXPECT_THAT(ParseFaultRules(R"([{"status": "500"}])").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseFaultRules(R"([{"status": 500, "path": 7}])").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("\"path\" must be a string")));
  EXPECT_THAT(ParseFaultRules(R"([{"status": 500, "times": -1}])").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      ParseFaultRules(R"([{"status": 500, "headers": {"A": 1}}])").status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("header \"A\"")));
  EXPECT_THAT(ParseFaultRules("[]").status(), IsOk());
}

TEST(FaultHookTest, AnswersMatchingRequestsOnly) {
  absl::StatusOr<std::vector<FaultRule>> rules = ParseFaultRules(R"([
    {"method": "GET", "path": "/accounting/invoices/RATE-LIMITED",
     "status": 429, "headers": {"Retry-After": "120"}}
  ])");
  ASSERT_THAT(rules.status(), IsOk());
  MaesnSimulator::RequestHook hook = MakeFaultHook(*std::move(rules));

  std::optional<ApiResponse> hit =
      hook(Request("GET", "/accounting/invoices/RATE-LIMITED"));
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->status, 429);
  EXPECT_THAT(hit->headers, ElementsAre(Pair("Retry-After", "120")));
  EXPECT_THAT(hit->body, HasSubstr("\"statusCode\":429"));
  // Unlimited: the same request fails again.
  EXPECT_TRUE(hook(Request("GET", "/accounting/invoices/RATE-LIMITED")));
  EXPECT_FALSE(hook(Request("POST", "/accounting/invoices/RATE-LIMITED")));
  EXPECT_FALSE(hook(Request("GET", "/accounting/invoices/ABC123")));
}

TEST(FaultHookTest, CountsTimesPerRuleAcrossCopies) {
  absl::StatusOr<std::vector<FaultRule>> rules = ParseFaultRules(R"([
    {"account": "acc-2", "status": 503, "times": 2},
    {"account": "acc-2", "status": 500, "times": 1}
  ])");
  ASSERT_THAT(rules.status(), IsOk());
  MaesnSimulator::RequestHook hook = MakeFaultHook(*std::move(rules));
  MaesnSimulator::RequestHook copy = hook;

  EXPECT_FALSE(hook(Request("GET", "/accounting/invoices/A", "acc-1")));
  std::vector<int> statuses;
  for (int i = 0; i < 4; ++i) {
    MaesnSimulator::RequestHook& h = i % 2 == 0 ? hook : copy;
    std::optional<ApiResponse> response =
        h(Request("GET", "/accounting/invoices/A", "acc-2"));
    statuses.push_back(response.has_value() ? response->status : 0);
  }
  EXPECT_THAT(statuses, ElementsAre(503, 503, 500, 0));
}

}  // namespace
}  // namespace maesn::sim
