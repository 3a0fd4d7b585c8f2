// The pages of a task's results end to end: GetTask pages response_data
// with page_size and page_token (Maesn's `limit` and `page`), and the
// terminal message of WatchTask and WaitTask carries the token that
// continues with GetTask when Maesn's meta says more pages follow.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/gateway_fixture.h"
#include "tests/testing/error_details.h"

namespace maesn::testing {
namespace {

using ::testing::ElementsAre;

class TaskPagesTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    StartGateway(BaseConfig());
  }

  // A finished task of `integration` whose responseData is [0, 1, ...,
  // entries - 1].
  std::string FinishedTaskWithEntries(const std::string& integration,
                                      int entries) {
    sim::Json data = sim::Json::array();
    for (int i = 0; i < entries; ++i) data.push_back(i);
    sim::TaskScript script;
    script.integration = integration;
    script.steps.push_back(sim::TaskStep{"FINISHED", {}, std::move(data)});
    return simulator().CreateTask(kAccountKey, std::move(script));
  }

  // The numbers in a page's response_data.
  static std::vector<int> Entries(const v1::Task& task) {
    std::vector<int> out;
    for (const auto& v : task.response_data().list_value().values()) {
      out.push_back(static_cast<int>(v.number_value()));
    }
    return out;
  }
};

TEST_F(TaskPagesTest, GetTaskPagesResponseDataByPageSizeAndToken) {
  const std::string task = FinishedTaskWithEntries("datev-duo", 12);
  v1::GetTaskRequest req;
  req.set_task_id(task);
  req.set_company_id("c1");
  req.set_page_size(5);
  std::vector<std::vector<int>> pages;
  for (int i = 0; i < 5; ++i) {
    v1::GetTaskResponse resp;
    auto ctx = Context();
    ASSERT_TRUE(tasks_->GetTask(ctx.get(), req, &resp).ok());
    pages.push_back(Entries(resp.task()));
    EXPECT_EQ(resp.total_size(), 12);
    EXPECT_EQ(resp.meta().pagination().total(), 12);
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  EXPECT_THAT(
      pages, ElementsAre(ElementsAre(0, 1, 2, 3, 4), ElementsAre(5, 6, 7, 8, 9),
                         ElementsAre(10, 11)));
  std::vector<std::string> targets;
  for (const auto& r : simulator().Requests()) targets.push_back(r.target);
  const std::string path = "/accounting/asyncTask/" + task;
  EXPECT_THAT(targets, ElementsAre(path + "?limit=5&companyId=c1",
                                   path + "?page=2&limit=5&companyId=c1",
                                   path + "?page=3&limit=5&companyId=c1"));
}

TEST_F(TaskPagesTest, PageJumpsStraightToAPage) {
  const std::string task = FinishedTaskWithEntries("datev-duo", 12);
  v1::GetTaskRequest req;
  req.set_task_id(task);
  req.set_page(3);
  req.set_page_size(5);
  v1::GetTaskResponse resp;
  auto ctx = Context();
  ASSERT_TRUE(tasks_->GetTask(ctx.get(), req, &resp).ok());
  EXPECT_THAT(Entries(resp.task()), ElementsAre(10, 11));
  EXPECT_EQ(resp.next_page_token(), "");
  ASSERT_EQ(simulator().Requests().size(), 1u);
  EXPECT_EQ(simulator().Requests()[0].target,
            "/accounting/asyncTask/" + task + "?page=3&limit=5");
}

TEST_F(TaskPagesTest, APageTogetherWithATokenIsRefused) {
  const std::string task = FinishedTaskWithEntries("datev-duo", 12);
  v1::GetTaskRequest req;
  req.set_task_id(task);
  req.set_page_size(5);
  v1::GetTaskResponse first;
  auto ctx = Context();
  ASSERT_TRUE(tasks_->GetTask(ctx.get(), req, &first).ok());
  ASSERT_NE(first.next_page_token(), "");
  req.set_page_token(first.next_page_token());
  req.set_page(2);
  v1::GetTaskResponse resp;
  auto ctx2 = Context();
  grpc::Status s = tasks_->GetTask(ctx2.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReadErrorDetails(s).violations().count("page"), 1u);
  EXPECT_EQ(simulator().Requests().size(), 1u);
}

TEST_F(TaskPagesTest, ATokenWorksOnlyForItsTask) {
  const std::string task = FinishedTaskWithEntries("datev-duo", 12);
  const std::string other = FinishedTaskWithEntries("datev-duo", 12);
  v1::GetTaskRequest req;
  req.set_task_id(task);
  req.set_page_size(5);
  v1::GetTaskResponse first;
  auto ctx = Context();
  ASSERT_TRUE(tasks_->GetTask(ctx.get(), req, &first).ok());
  req.set_task_id(other);
  req.set_page_token(first.next_page_token());
  v1::GetTaskResponse resp;
  auto ctx2 = Context();
  grpc::Status s = tasks_->GetTask(ctx2.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReadErrorDetails(s).violations().count("page_token"), 1u);
  EXPECT_EQ(simulator().Requests().size(), 1u);
}

// A DATEV Rechnungswesen export pages by 50 000 entries: WaitTask answers
// with the first page and a token; GetTask with it reads the rest, sending
// `page` only (DATEV accepts no `limit`).
TEST_F(TaskPagesTest, WaitTaskAnswersWithTheTokenOfTheNextPage) {
  const std::string task = FinishedTaskWithEntries("datev-rewe-export", 50001);
  v1::WaitTaskRequest wait;
  wait.set_task_id(task);
  v1::WaitTaskResponse done;
  auto ctx = Context();
  ASSERT_TRUE(tasks_->WaitTask(ctx.get(), wait, &done).ok());
  EXPECT_TRUE(done.task().done());
  EXPECT_EQ(done.task().response_data().list_value().values_size(), 50000);
  EXPECT_EQ(done.meta().pagination().total_pages(), 2);
  ASSERT_NE(done.next_page_token(), "");

  v1::GetTaskRequest next;
  next.set_task_id(task);
  next.set_page_token(done.next_page_token());
  v1::GetTaskResponse rest;
  auto ctx2 = Context();
  ASSERT_TRUE(tasks_->GetTask(ctx2.get(), next, &rest).ok());
  EXPECT_THAT(Entries(rest.task()), ElementsAre(50000));
  EXPECT_EQ(rest.next_page_token(), "");
  EXPECT_EQ(rest.total_size(), 50001);
  EXPECT_EQ(simulator().Requests().back().target,
            "/accounting/asyncTask/" + task + "?page=2");
}

TEST_F(TaskPagesTest, WatchTaskEndsWithTheTokenOfTheNextPage) {
  const std::string task = FinishedTaskWithEntries("datev-rewe-export", 50001);
  v1::WatchTaskRequest watch;
  watch.set_task_id(task);
  auto ctx = Context();
  auto stream = tasks_->WatchTask(ctx.get(), watch);
  std::vector<v1::WatchTaskResponse> messages;
  v1::WatchTaskResponse m;
  while (stream->Read(&m)) messages.push_back(m);
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_FALSE(messages.empty());
  EXPECT_TRUE(messages.back().task().done());
  EXPECT_NE(messages.back().next_page_token(), "");
}

TEST_F(TaskPagesTest, ATaskWithoutPagesHasNoToken) {
  const std::string task = FinishedTaskWithEntries("datev-duo", 12);
  v1::WaitTaskRequest wait;
  wait.set_task_id(task);
  v1::WaitTaskResponse done;
  auto ctx = Context();
  ASSERT_TRUE(tasks_->WaitTask(ctx.get(), wait, &done).ok());
  EXPECT_EQ(done.task().response_data().list_value().values_size(), 12);
  EXPECT_EQ(done.next_page_token(), "");
}

}  // namespace
}  // namespace maesn::testing
