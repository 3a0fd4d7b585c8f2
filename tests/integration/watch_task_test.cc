// WatchTask and WaitTask end to end: gRPC -> gateway -> watch hub -> HTTPS
// -> simulator, with scripted task progressions. The poll interval is set
// small (20..100 ms) so that the tests wait on stream reads with deadlines,
// never on sleeps.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "google/protobuf/util/time_util.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/testing/status_matchers.h"

namespace maesn::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kOtherAccount[] = "sim-account-key-2";

class WatchTaskTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    StartGateway(Config());
  }

  gateway::GatewayConfig Config() const {
    gateway::GatewayConfig c = BaseConfig();
    c.watch_poll_min = absl::Milliseconds(20);
    c.watch_poll_max = absl::Milliseconds(100);
    c.watch_heartbeat_min = absl::Milliseconds(10);
    return c;
  }

  void Restart(const gateway::GatewayConfig& config) {
    tasks_.reset();
    channel_.reset();
    gateway_->Shutdown(absl::Now() + absl::Seconds(5));
    gateway_.reset();
    StartGateway(config);
  }

  static v1::WatchTaskRequest Watch(const std::string& task_id) {
    v1::WatchTaskRequest r;
    r.set_task_id(task_id);
    return r;
  }

  void Advance(const std::string& task_id,
               const std::string& account = kAccountKey) {
    ASSERT_TRUE(simulator().AdvanceTask(account, task_id));
  }

  gateway::WatchHub& hub() { return gateway_->watch_hub(); }
};

// One expected message of a progression.
struct Step {
  const char* raw_status;
  int information;
  bool response_data;
};

struct Progression {
  const char* task_id;
  std::vector<Step> steps;  // one message per step; the last is terminal
};

class ProgressionTest : public WatchTaskTest,
                        public ::testing::WithParamInterface<Progression> {};

TEST_P(ProgressionTest, StreamsEveryChangeOnceAndEndsOkWhenTerminal) {
  const Progression& p = GetParam();
  auto ctx = Context();
  auto reader = tasks_->WatchTask(ctx.get(), Watch(p.task_id));
  google::protobuf::Timestamp last_observed;
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    if (i > 0) Advance(p.task_id);
    v1::WatchTaskResponse msg;
    ASSERT_TRUE(reader->Read(&msg)) << "message " << i << " of " << p.task_id;
    const Step& want = p.steps[i];
    EXPECT_FALSE(msg.heartbeat());
    EXPECT_EQ(msg.task().task_id(), p.task_id);
    EXPECT_EQ(msg.task().raw_status(), want.raw_status) << "message " << i;
    EXPECT_EQ(msg.task().information_size(), want.information)
        << "message " << i;
    EXPECT_EQ(msg.task().has_response_data(), want.response_data)
        << "message " << i;
    EXPECT_EQ(msg.task().done(), i + 1 == p.steps.size()) << "message " << i;
    EXPECT_TRUE(msg.has_observe_time());
    EXPECT_GE(msg.observe_time(), last_observed);
    last_observed = msg.observe_time();
  }
  v1::WatchTaskResponse extra;
  EXPECT_FALSE(reader->Read(&extra)) << extra.DebugString();
  EXPECT_THAT(reader->Finish(), GrpcStatusIs(grpc::StatusCode::OK));
  EXPECT_TRUE(hub().AwaitIdle(absl::Seconds(5)));
}

INSTANTIATE_TEST_SUITE_P(
    Integrations, ProgressionTest,
    ::testing::Values(
        Progression{"task-abaconnect-1",
                    {{"IN_PROGRESS", 1, false}, {"FINISHED", 2, true}}},
        Progression{"task-datev-duo-1",
                    {{"OPEN", 0, false},
                     {"IN_PROGRESS", 0, false},
                     {"IN_PROGRESS", 2, false},
                     {"SUCCESS", 2, false}}},
        Progression{"task-datev-duo-partial-1",
                    {{"OPEN", 0, false},
                     {"IN_PROGRESS", 1, false},
                     {"PARTIAL_SUCCESS", 3, false}}},
        Progression{"task-datev-duo-cancelled-1",
                    {{"OPEN", 0, false}, {"CANCELLED_SUCCESSFULLY", 1, false}}},
        Progression{"task-datev-duo-cancel-failed-1",
                    {{"IN_PROGRESS", 0, false}, {"CANCEL_FAILED", 1, false}}},
        Progression{"task-datev-rewe-write-1",
                    {{"IN_PROGRESS", 1, false}, {"SUCCESS", 2, true}}},
        Progression{"task-failed-1",
                    {{"IN_PROGRESS", 0, false}, {"FAILED", 1, false}}},
        Progression{"task-datev-rewe-export-1",
                    {{"IN_PROGRESS", 0, false}, {"FINISHED", 1, true}}},
        Progression{"task-datev-rewe-export-deleted-1",
                    {{"IN_PROGRESS", 0, false}, {"DELETED", 1, false}}},
        Progression{
            "task-freetext-1",
            {{"Task has been processed.", 1, false}, {"FINISHED", 1, false}}}),
    [](const ::testing::TestParamInfo<Progression>& param) {
      std::string name = param.param.task_id;
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

TEST_F(WatchTaskTest, AnUnknownStatusKeepsTheStreamOpenWithAWarning) {
  auto ctx = Context();
  auto reader = tasks_->WatchTask(ctx.get(), Watch("task-freetext-1"));
  v1::WatchTaskResponse msg;
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_EQ(msg.task().status(), v1::TASK_STATUS_UNSPECIFIED);
  EXPECT_EQ(msg.task().raw_status(), "Task has been processed.");
  EXPECT_FALSE(msg.task().done());
  ASSERT_THAT(msg.meta().mapping_warnings(), SizeIs(1));
  EXPECT_EQ(msg.meta().mapping_warnings(0).field(), "task.status");
  EXPECT_THAT(msg.meta().warnings(),
              ::testing::ElementsAre("Field not used by target system"));
  Advance("task-freetext-1");
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_EQ(msg.task().status(), v1::TASK_STATUS_FINISHED);
  EXPECT_THAT(msg.meta().mapping_warnings(), SizeIs(0));
  EXPECT_FALSE(reader->Read(&msg));
  EXPECT_THAT(reader->Finish(), GrpcStatusIs(grpc::StatusCode::OK));
}

TEST_F(WatchTaskTest, WatchersOfOneTaskShareOneLoopAndOneSnapshot) {
  constexpr int kWatchers = 5;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::WatchTaskResponse>>>
      readers;
  for (int i = 0; i < kWatchers; ++i) {
    contexts.push_back(Context());
    readers.push_back(
        tasks_->WatchTask(contexts.back().get(), Watch("task-datev-duo-1")));
    v1::WatchTaskResponse first;
    ASSERT_TRUE(readers.back()->Read(&first));
    EXPECT_EQ(first.task().raw_status(), "OPEN");
  }
  gateway::WatchStats stats = gateway_->watch_stats();
  EXPECT_EQ(stats.open_streams, kWatchers);
  EXPECT_EQ(stats.active_loops, 1);
  EXPECT_EQ(stats.subscribers, kWatchers);

  Advance("task-datev-duo-1");
  std::vector<v1::WatchTaskResponse> second(kWatchers);
  for (int i = 0; i < kWatchers; ++i) {
    ASSERT_TRUE(readers[i]->Read(&second[i]));
    EXPECT_EQ(second[i].task().raw_status(), "IN_PROGRESS");
    // Observed by the one poll that saw the change.
    EXPECT_EQ(second[i].observe_time(), second[0].observe_time());
  }
  for (auto& c : contexts) c->TryCancel();
  for (auto& r : readers) {
    EXPECT_THAT(r->Finish(), GrpcStatusIs(grpc::StatusCode::CANCELLED));
  }
  EXPECT_TRUE(hub().AwaitIdle(absl::Seconds(5)));
}

TEST_F(WatchTaskTest, DifferentAccountsNeverShareALoopOrAResult) {
  auto ctx1 = Context();
  auto ctx2 = Context(kApiKey, kOtherAccount, absl::Milliseconds(800));
  auto r1 = tasks_->WatchTask(ctx1.get(), Watch("task-abaconnect-1"));
  auto r2 = tasks_->WatchTask(ctx2.get(), Watch("task-abaconnect-1"));
  v1::WatchTaskResponse m1, m2;
  ASSERT_TRUE(r1->Read(&m1));
  ASSERT_TRUE(r2->Read(&m2));
  EXPECT_EQ(gateway_->watch_stats().active_loops, 2);
  Advance("task-abaconnect-1");  // only the first account's copy
  ASSERT_TRUE(r1->Read(&m1));
  EXPECT_EQ(m1.task().raw_status(), "FINISHED");
  EXPECT_THAT(r1->Finish(), GrpcStatusIs(grpc::StatusCode::OK));
  // The second account's task did not move: nothing until its deadline.
  EXPECT_FALSE(r2->Read(&m2)) << m2.DebugString();
  EXPECT_THAT(r2->Finish(), GrpcStatusIs(grpc::StatusCode::DEADLINE_EXCEEDED));
  // Each loop polled with its own account key.
  int first = 0, second = 0;
  for (const auto& r : simulator().Requests()) {
    if (r.path != "/accounting/asyncTask/task-abaconnect-1") continue;
    if (r.account_key == kAccountKey) ++first;
    if (r.account_key == kOtherAccount) ++second;
  }
  EXPECT_GE(first, 2);
  EXPECT_GE(second, 1);
}

TEST_F(WatchTaskTest, ClientCancelEndsTheStreamAndStopsTheLoopAtOnce) {
  auto ctx = Context();
  auto reader = tasks_->WatchTask(ctx.get(), Watch("task-datev-duo-1"));
  v1::WatchTaskResponse msg;
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_EQ(gateway_->watch_stats().active_loops, 1);
  ctx->TryCancel();
  EXPECT_FALSE(reader->Read(&msg));
  EXPECT_THAT(reader->Finish(), GrpcStatusIs(grpc::StatusCode::CANCELLED));
  EXPECT_TRUE(hub().AwaitIdle(absl::Seconds(2)));
  EXPECT_EQ(gateway_->watch_stats().open_streams, 0);
  EXPECT_EQ(gateway_->watch_stats().active_loops, 0);
}

TEST_F(WatchTaskTest, CancellingBusyStreamsFinishesEveryOneOfThem) {
  // Heartbeats every 10 ms keep writes in flight, so some cancellations
  // land while a write is pending: each stream must still finish (the
  // server counts it closed only in OnDone, after Finish).
  constexpr int kStreams = 64;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::WatchTaskResponse>>>
      readers;
  v1::WatchTaskRequest req = Watch("task-datev-duo-1");
  req.mutable_heartbeat_interval()->set_nanos(10 * 1000 * 1000);
  for (int i = 0; i < kStreams; ++i) {
    contexts.push_back(Context());
    readers.push_back(tasks_->WatchTask(contexts.back().get(), req));
    v1::WatchTaskResponse msg;
    ASSERT_TRUE(readers.back()->Read(&msg));
  }
  // Readers stop reading: heartbeats pile up in flow control while the
  // clients cancel one by one.
  for (auto& c : contexts) c->TryCancel();
  for (auto& r : readers) {
    EXPECT_THAT(r->Finish(), GrpcStatusIs(grpc::StatusCode::CANCELLED));
  }
  EXPECT_TRUE(hub().AwaitIdle(absl::Seconds(10)))
      << gateway_->watch_stats().open_streams << " streams still open";
}

TEST_F(WatchTaskTest, TheCallersDeadlineEndsTheStreamWithoutHeartbeats) {
  auto ctx = Context(kApiKey, kAccountKey, absl::Milliseconds(400));
  const absl::Time start = absl::Now();
  auto reader = tasks_->WatchTask(ctx.get(), Watch("task-datev-duo-1"));
  v1::WatchTaskResponse msg;
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_FALSE(reader->Read(&msg)) << msg.DebugString();  // no heartbeats
  EXPECT_THAT(reader->Finish(),
              GrpcStatusIs(grpc::StatusCode::DEADLINE_EXCEEDED));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_TRUE(hub().AwaitIdle(absl::Seconds(2)));
}

TEST_F(WatchTaskTest, ATaskThatDoesNotExistEndsWithNotFound) {
  auto ctx = Context();
  auto reader = tasks_->WatchTask(ctx.get(), Watch("no-such-task"));
  v1::WatchTaskResponse msg;
  EXPECT_FALSE(reader->Read(&msg));
  grpc::Status status = reader->Finish();
  EXPECT_THAT(status, GrpcStatusIs(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(status.error_message(), HasSubstr("404"));
  EXPECT_TRUE(hub().AwaitIdle(absl::Seconds(2)));
}

TEST_F(WatchTaskTest, WrongCredentialsUpstreamEndWithTheirCode) {
  auto ctx = Context("wrong-api-key", kAccountKey);
  auto reader = tasks_->WatchTask(ctx.get(), Watch("task-datev-duo-1"));
  v1::WatchTaskResponse msg;
  EXPECT_FALSE(reader->Read(&msg));
  grpc::Status status = reader->Finish();
  EXPECT_THAT(status, GrpcStatusIs(grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_THAT(status.error_message(),
              ::testing::Not(HasSubstr("wrong-api-key")));

  auto ctx2 = Context(kApiKey, "sim-inactive-account");
  auto reader2 = tasks_->WatchTask(ctx2.get(), Watch("task-datev-duo-1"));
  EXPECT_FALSE(reader2->Read(&msg));
  EXPECT_THAT(reader2->Finish(),
              GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED));
}

TEST_F(WatchTaskTest,
       TransientFailuresMidWatchAreSurvivedAndRetryAfterHonoured) {
  // task-flaky-1 answers 503, then 429 with Retry-After: 1 once it reaches
  // step 1, and 500 once it reaches step 2. Record when each GET arrives.
  absl::Mutex mu;
  std::vector<absl::Time> gets;
  simulator().SetRequestHook(
      [&](const sim::ApiRequest& r) -> std::optional<sim::ApiResponse> {
        if (r.path == "/accounting/asyncTask/task-flaky-1") {
          absl::MutexLock lock(&mu);
          gets.push_back(absl::Now());
        }
        return std::nullopt;
      });
  auto ctx = Context(kApiKey, kAccountKey, absl::Seconds(20));
  auto reader = tasks_->WatchTask(ctx.get(), Watch("task-flaky-1"));
  v1::WatchTaskResponse msg;
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_EQ(msg.task().information_size(), 1);
  // (The hook runs under the simulator's lock: never advance under `mu`.)
  std::size_t before;
  {
    absl::MutexLock lock(&mu);
    before = gets.size();
  }
  Advance("task-flaky-1");
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_EQ(msg.task().raw_status(), "IN_PROGRESS");
  EXPECT_EQ(msg.task().information_size(), 2);
  {
    absl::MutexLock lock(&mu);
    // At least 503, 429 (Retry-After: 1), then the state. Polls are at most
    // 100 ms apart otherwise, so the one long gap is the Retry-After.
    ASSERT_GE(gets.size(), before + 3);
    absl::Duration longest;
    for (std::size_t i = before + 1; i < gets.size(); ++i) {
      longest = std::max(longest, gets[i] - gets[i - 1]);
    }
    EXPECT_GE(longest, absl::Seconds(1));
  }
  Advance("task-flaky-1");  // 500 first, then SUCCESS
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_EQ(msg.task().status(), v1::TASK_STATUS_SUCCESS);
  EXPECT_TRUE(msg.task().has_response_data());
  EXPECT_FALSE(reader->Read(&msg));
  EXPECT_THAT(reader->Finish(), GrpcStatusIs(grpc::StatusCode::OK));
  EXPECT_GE(gateway_->watch_stats().poll_failures, 3);
  simulator().SetRequestHook(nullptr);
}

TEST_F(WatchTaskTest, HeartbeatsKeepAQuietStreamAliveAndAreMarked) {
  auto ctx = Context();
  v1::WatchTaskRequest req = Watch("task-datev-duo-1");
  req.mutable_heartbeat_interval()->set_nanos(50 * 1000 * 1000);
  auto reader = tasks_->WatchTask(ctx.get(), req);
  v1::WatchTaskResponse msg;
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_FALSE(msg.heartbeat());
  EXPECT_EQ(msg.task().raw_status(), "OPEN");
  const google::protobuf::Timestamp first = msg.observe_time();
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(reader->Read(&msg));
    EXPECT_TRUE(msg.heartbeat());
    EXPECT_FALSE(msg.has_task());
    EXPECT_FALSE(msg.has_meta());
    EXPECT_GT(msg.observe_time(), first);
  }
  Advance("task-datev-duo-1");
  do {
    ASSERT_TRUE(reader->Read(&msg));
  } while (msg.heartbeat());
  EXPECT_EQ(msg.task().raw_status(), "IN_PROGRESS");
  ctx->TryCancel();
  EXPECT_THAT(reader->Finish(), GrpcStatusIs(grpc::StatusCode::CANCELLED));
}

TEST_F(WatchTaskTest, BadRequestsAreRefusedBeforeAnyUpstreamRequest) {
  struct Case {
    v1::WatchTaskRequest request;
    std::string account_key;
    grpc::StatusCode code;
  };
  v1::WatchTaskRequest negative = Watch("task-datev-duo-1");
  negative.mutable_heartbeat_interval()->set_seconds(-1);
  v1::WatchTaskRequest bad_company = Watch("task-datev-duo-1");
  bad_company.set_company_id(std::string("a\0b", 3));
  const std::vector<Case> cases = {
      {Watch(""), kAccountKey, grpc::StatusCode::INVALID_ARGUMENT},
      {Watch(".."), kAccountKey, grpc::StatusCode::INVALID_ARGUMENT},
      {negative, kAccountKey, grpc::StatusCode::INVALID_ARGUMENT},
      {bad_company, kAccountKey, grpc::StatusCode::INVALID_ARGUMENT},
      {Watch("task-datev-duo-1"), "", grpc::StatusCode::UNAUTHENTICATED},
  };
  for (const auto& c : cases) {
    auto ctx = Context(kApiKey, c.account_key);
    auto reader = tasks_->WatchTask(ctx.get(), c.request);
    v1::WatchTaskResponse msg;
    EXPECT_FALSE(reader->Read(&msg));
    EXPECT_THAT(reader->Finish(), GrpcStatusIs(c.code))
        << c.request.DebugString();
  }
  EXPECT_TRUE(simulator().Requests().empty());
  EXPECT_TRUE(hub().AwaitIdle(absl::Seconds(2)));
}

TEST_F(WatchTaskTest, ShutdownEndsOpenCallsWithUnavailableAndAReconnectHint) {
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::WatchTaskResponse>>>
      readers;
  for (const char* task : {"task-datev-duo-1", "task-abaconnect-1"}) {
    contexts.push_back(Context());
    readers.push_back(tasks_->WatchTask(contexts.back().get(), Watch(task)));
    v1::WatchTaskResponse first;
    ASSERT_TRUE(readers.back()->Read(&first));
  }
  // A WaitTask in flight too.
  auto wait_ctx = Context();
  v1::WaitTaskRequest wait_req;
  wait_req.set_task_id("task-datev-rewe-write-1");
  v1::WaitTaskResponse wait_resp;
  absl::Notification wait_done;
  grpc::Status wait_status;
  tasks_->async()->WaitTask(wait_ctx.get(), &wait_req, &wait_resp,
                            [&](grpc::Status s) {
                              wait_status = std::move(s);
                              wait_done.Notify();
                            });
  // Shut down once the WaitTask is being served too (three open calls).
  ASSERT_TRUE(hub().AwaitStats(
      [](const gateway::WatchStats& s) { return s.open_streams == 3; },
      absl::Seconds(10)));

  gateway_->Shutdown(absl::Now() + absl::Seconds(5));
  for (auto& r : readers) {
    v1::WatchTaskResponse msg;
    EXPECT_FALSE(r->Read(&msg));
    grpc::Status s = r->Finish();
    EXPECT_THAT(s, GrpcStatusIs(grpc::StatusCode::UNAVAILABLE));
    EXPECT_THAT(s.error_message(), HasSubstr("reconnect"));
  }
  ASSERT_TRUE(wait_done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_THAT(wait_status, GrpcStatusIs(grpc::StatusCode::UNAVAILABLE));
}

TEST_F(WatchTaskTest, StreamsBeyondTheCapAreRefusedWithResourceExhausted) {
  gateway::GatewayConfig config = Config();
  config.watch_max_streams = 2;
  Restart(config);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::WatchTaskResponse>>>
      readers;
  for (int i = 0; i < 2; ++i) {
    contexts.push_back(Context());
    readers.push_back(
        tasks_->WatchTask(contexts.back().get(), Watch("task-datev-duo-1")));
    v1::WatchTaskResponse first;
    ASSERT_TRUE(readers.back()->Read(&first));
  }
  auto ctx = Context();
  auto refused = tasks_->WatchTask(ctx.get(), Watch("task-datev-duo-1"));
  v1::WatchTaskResponse msg;
  EXPECT_FALSE(refused->Read(&msg));
  grpc::Status status = refused->Finish();
  EXPECT_THAT(status, GrpcStatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED));
  EXPECT_THAT(status.error_message(), HasSubstr("WATCH_MAX_STREAMS"));

  auto wait_ctx = Context();
  v1::WaitTaskRequest wait_req;
  wait_req.set_task_id("task-datev-duo-1");
  v1::WaitTaskResponse wait_resp;
  EXPECT_THAT(tasks_->WaitTask(wait_ctx.get(), wait_req, &wait_resp),
              GrpcStatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED));

  for (auto& c : contexts) c->TryCancel();
  for (auto& r : readers) r->Finish();
}

TEST_F(WatchTaskTest, TheMaximumWatchTimeEndsTheStream) {
  gateway::GatewayConfig config = Config();
  config.watch_max_duration = absl::Milliseconds(300);
  Restart(config);
  auto ctx = Context();
  auto reader = tasks_->WatchTask(ctx.get(), Watch("task-datev-duo-1"));
  v1::WatchTaskResponse msg;
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_FALSE(reader->Read(&msg));
  grpc::Status status = reader->Finish();
  EXPECT_THAT(status, GrpcStatusIs(grpc::StatusCode::DEADLINE_EXCEEDED));
  EXPECT_THAT(status.error_message(), HasSubstr("WATCH_MAX_DURATION_MS"));
  EXPECT_TRUE(hub().AwaitIdle(absl::Seconds(2)));
}

// --- WaitTask
// -----------------------------------------------------------------

class WaitTaskTest : public WatchTaskTest {
 protected:
  static v1::WaitTaskRequest Wait(const std::string& task_id) {
    v1::WaitTaskRequest r;
    r.set_task_id(task_id);
    return r;
  }
};

TEST_F(WaitTaskTest, ReturnsOnceTheTaskIsTerminal) {
  auto ctx = Context();
  v1::WaitTaskRequest req = Wait("task-abaconnect-1");
  v1::WaitTaskResponse resp;
  absl::Notification done;
  grpc::Status status;
  tasks_->async()->WaitTask(ctx.get(), &req, &resp, [&](grpc::Status s) {
    status = std::move(s);
    done.Notify();
  });
  // Still IN_PROGRESS: the call waits (checked for a moment).
  EXPECT_FALSE(done.WaitForNotificationWithTimeout(absl::Milliseconds(200)));
  Advance("task-abaconnect-1");
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_THAT(status, GrpcStatusIs(grpc::StatusCode::OK));
  EXPECT_EQ(resp.task().status(), v1::TASK_STATUS_FINISHED);
  EXPECT_TRUE(resp.task().done());
  EXPECT_TRUE(resp.task().has_response_data());
  EXPECT_EQ(resp.task().information_size(), 2);
  EXPECT_TRUE(resp.has_observe_time());
  EXPECT_TRUE(resp.has_meta());
  EXPECT_TRUE(hub().AwaitIdle(absl::Seconds(2)));
}

TEST_F(WaitTaskTest, AnAlreadyTerminalTaskAnswersAtOnce) {
  Advance("task-failed-1");
  auto ctx = Context();
  v1::WaitTaskResponse resp;
  ASSERT_THAT(tasks_->WaitTask(ctx.get(), Wait("task-failed-1"), &resp),
              GrpcStatusIs(grpc::StatusCode::OK));
  EXPECT_EQ(resp.task().status(), v1::TASK_STATUS_FAILED);
  EXPECT_EQ(resp.task().information(0).type(), "error");
}

TEST_F(WaitTaskTest, TheDeadlineComesFirst) {
  auto ctx = Context(kApiKey, kAccountKey, absl::Milliseconds(300));
  v1::WaitTaskResponse resp;
  const absl::Time start = absl::Now();
  EXPECT_THAT(tasks_->WaitTask(ctx.get(), Wait("task-datev-duo-1"), &resp),
              GrpcStatusIs(grpc::StatusCode::DEADLINE_EXCEEDED));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_TRUE(hub().AwaitIdle(absl::Seconds(2)));
}

TEST_F(WaitTaskTest, NotFoundAndBadRequests) {
  auto ctx = Context();
  v1::WaitTaskResponse resp;
  EXPECT_THAT(tasks_->WaitTask(ctx.get(), Wait("no-such-task"), &resp),
              GrpcStatusIs(grpc::StatusCode::NOT_FOUND));
  auto ctx2 = Context();
  EXPECT_THAT(tasks_->WaitTask(ctx2.get(), Wait(""), &resp),
              GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT));
  auto ctx3 = Context(kApiKey, "");
  EXPECT_THAT(tasks_->WaitTask(ctx3.get(), Wait("task-failed-1"), &resp),
              GrpcStatusIs(grpc::StatusCode::UNAUTHENTICATED));
}

TEST_F(WaitTaskTest, ManyWaitersAndWatchersShareOneLoop) {
  constexpr int kWaiters = 10;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<v1::WaitTaskResponse> responses(kWaiters);
  v1::WaitTaskRequest req = Wait("task-datev-rewe-write-1");
  absl::Mutex mu;
  int done = 0;
  std::vector<grpc::Status> statuses(kWaiters);
  for (int i = 0; i < kWaiters; ++i) {
    contexts.push_back(Context());
    tasks_->async()->WaitTask(contexts.back().get(), &req, &responses[i],
                              [&, i](grpc::Status s) {
                                absl::MutexLock lock(&mu);
                                statuses[i] = std::move(s);
                                ++done;
                              });
  }
  auto ctx = Context();
  auto reader = tasks_->WatchTask(ctx.get(), Watch("task-datev-rewe-write-1"));
  v1::WatchTaskResponse msg;
  ASSERT_TRUE(reader->Read(&msg));
  // Every waiter and the watcher are attached, all to one loop.
  ASSERT_TRUE(hub().AwaitStats(
      [](const gateway::WatchStats& s) {
        return s.subscribers == kWaiters + 1;
      },
      absl::Seconds(10)));
  EXPECT_EQ(gateway_->watch_stats().active_loops, 1);
  Advance("task-datev-rewe-write-1");
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_TRUE(msg.task().done());
  {
    absl::MutexLock lock(&mu);
    auto all_done = [&]() { return done == kWaiters; };
    ASSERT_TRUE(
        mu.AwaitWithTimeout(absl::Condition(&all_done), absl::Seconds(10)));
  }
  for (int i = 0; i < kWaiters; ++i) {
    EXPECT_THAT(statuses[i], GrpcStatusIs(grpc::StatusCode::OK));
    EXPECT_EQ(responses[i].task().status(), v1::TASK_STATUS_SUCCESS);
  }
  EXPECT_THAT(reader->Finish(), GrpcStatusIs(grpc::StatusCode::OK));
}

}  // namespace
}  // namespace maesn::testing
