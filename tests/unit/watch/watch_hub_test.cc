// The poll loop alone: fake clock, scripted fake stub, and (unless a test
// says otherwise) polls run inline on the thread that drives the timers, so
// every step is deterministic.

#include "gateway/watch/watch_hub.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gateway/common/errors.h"
#include "gateway/common/executor.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_task_stub.h"
#include "tests/testing/status_matchers.h"

namespace maesn::gateway {
namespace {

using ::maesn::testing::FakeClock;
using ::maesn::testing::FakeTaskStub;
using ::maesn::testing::HttpError;
using ::maesn::testing::IsOk;
using ::maesn::testing::StatusIs;
using ::maesn::testing::TaskAnswer;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kApi[] = "api-1";
constexpr char kAccount[] = "account-1";
constexpr char kTask[] = "task-1";

// Records what the hub delivers. Thread-safe.
class Recorder : public TaskSubscriber {
 public:
  void OnState(TaskSnapshotPtr snapshot) override {
    absl::MutexLock lock(&mu_);
    states_.push_back(std::move(snapshot));
  }
  void OnEnd(const absl::Status& status) override {
    absl::MutexLock lock(&mu_);
    ++ends_;
    end_ = status;
  }

  std::vector<TaskSnapshotPtr> states() const {
    absl::MutexLock lock(&mu_);
    return states_;
  }
  std::vector<std::string> raw_statuses() const {
    std::vector<std::string> out;
    for (const auto& s : states()) out.push_back(s->task().raw_status());
    return out;
  }
  bool ended() const {
    absl::MutexLock lock(&mu_);
    return ends_ > 0;
  }
  int ends() const {
    absl::MutexLock lock(&mu_);
    return ends_;
  }
  absl::Status end() const {
    absl::MutexLock lock(&mu_);
    return end_;
  }
  bool AwaitStates(std::size_t n, absl::Duration timeout) const {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return states_.size() >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<TaskSnapshotPtr> states_ ABSL_GUARDED_BY(mu_);
  int ends_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status end_ ABSL_GUARDED_BY(mu_);
};

Credentials Creds(const std::string& api = kApi,
                  const std::string& account = kAccount) {
  return Credentials{api, account};
}

v1::GetTaskRequest Target(const std::string& task = kTask,
                          const std::string& company = "",
                          const std::string& environment = "") {
  v1::GetTaskRequest r;
  r.set_task_id(task);
  r.set_company_id(company);
  r.set_environment_name(environment);
  return r;
}

class WatchHubTest : public ::testing::Test {
 protected:
  WatchHubTest() { MakeHub(WatchOptions{}); }

  void MakeHub(
      WatchOptions options,
      WatchHub::Submit submit = [](std::function<void()> task) {
        task();
        return true;
      }) {
    hub_.reset();
    hub_ =
        std::make_unique<WatchHub>(stub_, std::move(submit), clock_, options);
  }

  std::shared_ptr<Recorder> Watch(const Credentials& creds = Creds(),
                                  const v1::GetTaskRequest& target = Target()) {
    auto r = std::make_shared<Recorder>();
    auto latest = hub_->Subscribe(creds, target, r);
    EXPECT_THAT(latest, IsOk());
    if (latest.ok() && *latest != nullptr) r->OnState(*latest);
    return r;
  }

  // Moves the fake clock to the next timer and runs it; false if none.
  bool RunNext() {
    auto next = hub_->timers().NextDue();
    if (!next.has_value()) return false;
    if (*next > clock_->Now()) clock_->Advance(*next - clock_->Now());
    hub_->timers().RunDue();
    return true;
  }

  // Times between consecutive upstream calls.
  std::vector<absl::Duration> Gaps() const {
    std::vector<absl::Duration> gaps;
    auto calls = stub_->calls();
    for (std::size_t i = 1; i < calls.size(); ++i) {
      gaps.push_back(calls[i].at - calls[i - 1].at);
    }
    return gaps;
  }

  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::shared_ptr<FakeTaskStub> stub_ = std::make_shared<FakeTaskStub>(clock_);
  std::unique_ptr<WatchHub> hub_;
  const std::string key_ = FakeTaskStub::Key(kApi, kAccount, kTask);
};

TEST_F(WatchHubTest, TheFirstWatcherStartsALoopThatPollsAtOnce) {
  stub_->Script(key_, {TaskAnswer("IN_PROGRESS")});
  auto w = Watch();
  ASSERT_THAT(stub_->calls(), SizeIs(1));
  EXPECT_EQ(stub_->calls()[0].at, clock_->Now());
  EXPECT_EQ(stub_->calls()[0].credentials, Creds());
  EXPECT_EQ(stub_->calls()[0].request.task_id(), kTask);
  ASSERT_THAT(w->states(), SizeIs(1));
  const TaskSnapshot& s = *w->states()[0];
  EXPECT_EQ(s.task().status(), v1::TASK_STATUS_IN_PROGRESS);
  EXPECT_EQ(s.message.observe_time().seconds(),
            absl::ToUnixSeconds(clock_->Now()));
  EXPECT_FALSE(s.message.heartbeat());
  EXPECT_EQ(hub_->stats().active_loops, 1);
  EXPECT_EQ(hub_->stats().polls, 1);
}

TEST_F(WatchHubTest, EachChangeIsPushedOnceAndNeverTwice) {
  stub_->Script(
      key_, {TaskAnswer("OPEN"), TaskAnswer("OPEN"), TaskAnswer("IN_PROGRESS"),
             TaskAnswer("IN_PROGRESS"), TaskAnswer("IN_PROGRESS", 1),
             TaskAnswer("IN_PROGRESS", 1), TaskAnswer("IN_PROGRESS", 1),
             TaskAnswer("IN_PROGRESS", 1, R"({"id":"x"})"),
             TaskAnswer("SUCCESS", 2, R"({"id":"x"})")});
  auto w = Watch();
  while (!w->ended() && RunNext()) {
  }
  EXPECT_THAT(w->raw_statuses(),
              ElementsAre("OPEN", "IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS",
                          "SUCCESS"));
  auto states = w->states();
  EXPECT_EQ(states[1]->task().information_size(), 0);
  EXPECT_EQ(states[2]->task().information_size(), 1);
  EXPECT_FALSE(states[2]->task().has_response_data());
  EXPECT_TRUE(states[3]->task().has_response_data());
  EXPECT_TRUE(states[4]->done());
  for (std::size_t i = 1; i < states.size(); ++i) {
    EXPECT_GT(states[i]->version, states[i - 1]->version);
    EXPECT_FALSE(SameTaskState(states[i]->task(), states[i - 1]->task()));
  }
  EXPECT_THAT(w->end(), IsOk());
  EXPECT_EQ(w->ends(), 1);
  EXPECT_THAT(stub_->calls(), SizeIs(9));
  EXPECT_EQ(hub_->stats().active_loops, 0);
  EXPECT_EQ(hub_->stats().changes, 5);
  EXPECT_EQ(hub_->timers().size(), 0u);  // the loop is gone
}

TEST_F(WatchHubTest, BackoffScheduleGrowsByHalfUpToTheMaxAndResetsOnChange) {
  std::vector<absl::StatusOr<v1::GetTaskResponse>> answers(12,
                                                           TaskAnswer("OPEN"));
  answers.push_back(TaskAnswer("IN_PROGRESS"));
  answers.push_back(TaskAnswer("IN_PROGRESS"));
  stub_->Script(key_, answers);
  auto w = Watch();
  for (int i = 0; i < 14; ++i) ASSERT_TRUE(RunNext());
  const auto s = [](double seconds) { return absl::Seconds(seconds); };
  EXPECT_THAT(Gaps(),
              ElementsAreArray({s(1), s(1.5), s(2.25), s(3.375), s(5.0625),
                                s(7.59375), s(11.390625), s(15), s(15), s(15),
                                s(15),            // 12 x OPEN
                                s(15),            // -> IN_PROGRESS: a change
                                s(1), s(1.5)}));  // back to the minimum
  EXPECT_THAT(w->raw_statuses(), ElementsAre("OPEN", "IN_PROGRESS"));
}

// The interval runs from one poll's start to the next: Maesn's latency does
// not stretch it (at 300 ms latency and a 1 s interval the task would
// otherwise be polled only every 1.3 s).
TEST_F(WatchHubTest, MaesnLatencyDoesNotStretchTheInterval) {
  stub_->SetLatency(absl::Milliseconds(300));
  stub_->Script(key_, {TaskAnswer("OPEN", 0), TaskAnswer("OPEN", 1),
                       TaskAnswer("OPEN", 2), TaskAnswer("OPEN", 3)});
  auto w = Watch();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(RunNext());
  EXPECT_THAT(Gaps(), ElementsAre(absl::Seconds(1), absl::Seconds(1),
                                  absl::Seconds(1)));
  EXPECT_EQ(w->states().size(), 4u);
}

TEST_F(WatchHubTest, ScheduleFollowsTheConfiguredBounds) {
  WatchOptions options;
  options.poll_min = absl::Milliseconds(200);
  options.poll_max = absl::Milliseconds(500);
  MakeHub(options);
  stub_->Script(key_, {TaskAnswer("OPEN")});
  auto w = Watch();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(RunNext());
  EXPECT_THAT(Gaps(),
              ElementsAre(absl::Milliseconds(200), absl::Milliseconds(300),
                          absl::Milliseconds(450), absl::Milliseconds(500),
                          absl::Milliseconds(500)));
}

TEST_F(WatchHubTest, ManyWatchersOfOneTaskShareOnePollPerInterval) {
  stub_->Script(key_, {TaskAnswer("OPEN"), TaskAnswer("IN_PROGRESS"),
                       TaskAnswer("SUCCESS")});
  std::vector<std::shared_ptr<Recorder>> watchers;
  for (int i = 0; i < 50; ++i) watchers.push_back(Watch());
  EXPECT_THAT(stub_->calls(), SizeIs(1));
  EXPECT_EQ(hub_->stats().active_loops, 1);
  EXPECT_EQ(hub_->stats().subscribers, 50);
  ASSERT_TRUE(RunNext());
  ASSERT_TRUE(RunNext());
  EXPECT_THAT(stub_->calls(), SizeIs(3));
  for (const auto& w : watchers) {
    EXPECT_THAT(w->raw_statuses(),
                ElementsAre("OPEN", "IN_PROGRESS", "SUCCESS"));
    EXPECT_THAT(w->end(), IsOk());
  }
  // All of them got the very same snapshot objects: one copy per state.
  EXPECT_EQ(watchers[0]->states()[1], watchers[49]->states()[1]);
}

TEST_F(WatchHubTest, AJoiningWatcherGetsTheLatestStateAtOnce) {
  stub_->Script(key_, {TaskAnswer("OPEN"), TaskAnswer("IN_PROGRESS", 1),
                       TaskAnswer("IN_PROGRESS", 1)});
  auto first = Watch();
  ASSERT_TRUE(RunNext());
  const int polls = static_cast<int>(stub_->calls().size());
  auto joiner = std::make_shared<Recorder>();
  auto latest = hub_->Subscribe(Creds(), Target(), joiner);
  ASSERT_THAT(latest, IsOk());
  ASSERT_NE(*latest, nullptr);
  EXPECT_EQ((*latest)->task().raw_status(), "IN_PROGRESS");
  EXPECT_EQ((*latest)->task().information_size(), 1);
  EXPECT_EQ(*latest, first->states().back());
  EXPECT_THAT(stub_->calls(), SizeIs(polls));  // no extra request
}

TEST_F(WatchHubTest, DifferentCredentialsOrScopesNeverShareALoop) {
  struct Case {
    Credentials creds;
    v1::GetTaskRequest target;
    std::string key;
  };
  const std::vector<Case> cases = {
      {Creds(), Target(), key_},
      {Creds("api-2"), Target(), FakeTaskStub::Key("api-2", kAccount, kTask)},
      {Creds(kApi, "account-2"), Target(),
       FakeTaskStub::Key(kApi, "account-2", kTask)},
      {Creds(), Target(kTask, "company-9"),
       FakeTaskStub::Key(kApi, kAccount, kTask, "company-9")},
      {Creds(), Target(kTask, "", "sandbox"),
       FakeTaskStub::Key(kApi, kAccount, kTask, "", "sandbox")},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    stub_->Script(cases[i].key,
                  {TaskAnswer("IN_PROGRESS", static_cast<int>(i))});
  }
  std::vector<std::shared_ptr<Recorder>> watchers;
  for (const auto& c : cases) watchers.push_back(Watch(c.creds, c.target));
  EXPECT_EQ(hub_->stats().active_loops, 5);
  ASSERT_THAT(stub_->calls(), SizeIs(5));
  for (std::size_t i = 0; i < cases.size(); ++i) {
    // Each loop polled with its own credentials and scope...
    EXPECT_EQ(stub_->calls()[i].credentials, cases[i].creds);
    EXPECT_EQ(stub_->calls()[i].request.company_id(),
              cases[i].target.company_id());
    EXPECT_EQ(stub_->calls()[i].request.environment_name(),
              cases[i].target.environment_name());
    // ...and each watcher saw only its own result.
    ASSERT_THAT(watchers[i]->states(), SizeIs(1));
    EXPECT_EQ(watchers[i]->states()[0]->task().information_size(),
              static_cast<int>(i));
  }
}

class TerminalStatusTest : public WatchHubTest,
                           public ::testing::WithParamInterface<const char*> {};

TEST_P(TerminalStatusTest, EndsTheWatchOk) {
  stub_->Script(key_, {TaskAnswer("IN_PROGRESS"), TaskAnswer(GetParam(), 1)});
  auto w = Watch();
  ASSERT_TRUE(RunNext());
  EXPECT_THAT(w->raw_statuses(), ElementsAre("IN_PROGRESS", GetParam()));
  EXPECT_TRUE(w->states().back()->done());
  EXPECT_EQ(w->ends(), 1);
  EXPECT_THAT(w->end(), IsOk());
  EXPECT_EQ(hub_->stats().active_loops, 0);
  EXPECT_FALSE(RunNext());
}

INSTANTIATE_TEST_SUITE_P(AllTerminal, TerminalStatusTest,
                         ::testing::Values("FINISHED", "SUCCESS", "FAILED",
                                           "PARTIAL_SUCCESS",
                                           "CANCELLED_SUCCESSFULLY",
                                           "CANCEL_FAILED", "DELETED"));

TEST_F(WatchHubTest, OpenInProgressAndUnknownStatusesKeepWatching) {
  stub_->Script(key_, {TaskAnswer("OPEN"), TaskAnswer("IN_PROGRESS"),
                       TaskAnswer("Task has been processed."),
                       TaskAnswer("Task has been processed.")});
  auto w = Watch();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(RunNext());
  EXPECT_FALSE(w->ended());
  EXPECT_THAT(w->raw_statuses(),
              ElementsAre("OPEN", "IN_PROGRESS", "Task has been processed."));
  const TaskSnapshot& unknown = *w->states().back();
  EXPECT_EQ(unknown.task().status(), v1::TASK_STATUS_UNSPECIFIED);
  EXPECT_FALSE(unknown.done());
  // The warning travels with the message.
  ASSERT_EQ(unknown.message.meta().mapping_warnings_size(), 1);
  EXPECT_EQ(unknown.message.meta().mapping_warnings(0).field(), "task.status");
  EXPECT_EQ(hub_->stats().active_loops, 1);
}

class PermanentErrorTest
    : public WatchHubTest,
      public ::testing::WithParamInterface<std::pair<int, absl::StatusCode>> {};

TEST_P(PermanentErrorTest, EndsTheWatchWithThatCode) {
  stub_->Script(key_, {TaskAnswer("IN_PROGRESS"), HttpError(GetParam().first)});
  auto w = Watch();
  ASSERT_TRUE(RunNext());
  EXPECT_EQ(w->ends(), 1);
  EXPECT_THAT(w->end(), StatusIs(GetParam().second));
  EXPECT_EQ(hub_->stats().active_loops, 0);
  EXPECT_FALSE(RunNext());
}

INSTANTIATE_TEST_SUITE_P(
    Codes, PermanentErrorTest,
    ::testing::Values(std::make_pair(404, absl::StatusCode::kNotFound),
                      std::make_pair(401, absl::StatusCode::kUnauthenticated),
                      std::make_pair(403, absl::StatusCode::kPermissionDenied),
                      std::make_pair(400, absl::StatusCode::kInvalidArgument)));

TEST_F(WatchHubTest, ATaskThatDoesNotExistEndsAtOnceWithNotFound) {
  auto w = Watch(Creds(), Target("no-such-task"));  // unscripted: 404
  EXPECT_TRUE(w->states().empty());
  EXPECT_THAT(w->end(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(hub_->stats().active_loops, 0);
}

TEST_F(WatchHubTest, TransientFailuresBackOffOnePollPerTickAndKeepWatching) {
  absl::Status timeout = WithErrorInfo(
      absl::DeadlineExceededError("Maesn did not answer within the read "
                                  "timeout"),
      "UPSTREAM_TIMEOUT");
  absl::Status refused =
      WithErrorInfo(absl::UnavailableError("could not connect to Maesn"),
                    "UPSTREAM_UNAVAILABLE");
  stub_->Script(
      key_, {TaskAnswer("IN_PROGRESS"), HttpError(503), HttpError(500),
             HttpError(502), HttpError(429), HttpError(408), timeout, refused,
             TaskAnswer("SUCCESS")});
  auto w = Watch();
  while (!w->ended() && RunNext()) {
  }
  EXPECT_THAT(w->raw_statuses(), ElementsAre("IN_PROGRESS", "SUCCESS"));
  EXPECT_THAT(w->end(), IsOk());
  // One request per tick (no retries inside a poll), backing off.
  const auto s = [](double seconds) { return absl::Seconds(seconds); };
  EXPECT_THAT(Gaps(),
              ElementsAreArray({s(1), s(1.5), s(2.25), s(3.375), s(5.0625),
                                s(7.59375), s(11.390625), s(15)}));
  EXPECT_EQ(hub_->stats().poll_failures, 7);
}

TEST_F(WatchHubTest, RetryAfterIsHonoured) {
  stub_->Script(key_, {TaskAnswer("IN_PROGRESS"), HttpError(429, "7"),
                       HttpError(503, "0"), HttpError(503, "60"),
                       TaskAnswer("IN_PROGRESS")});
  auto w = Watch();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(RunNext());
  EXPECT_THAT(Gaps(), ElementsAre(absl::Seconds(1),     // min
                                  absl::Seconds(7),     // 429 asked 7 s
                                  absl::Seconds(2.25),  // 0 s: the backoff
                                  absl::Seconds(60)));  // above the max too
  EXPECT_FALSE(w->ended());
}

TEST_F(WatchHubTest, TheLoopStopsWhenItsLastWatcherLeaves) {
  stub_->Script(key_, {TaskAnswer("IN_PROGRESS")});
  auto a = Watch();
  auto b = Watch();
  hub_->Unsubscribe(a.get());
  EXPECT_EQ(hub_->stats().active_loops, 1);
  ASSERT_TRUE(RunNext());
  EXPECT_THAT(stub_->calls(), SizeIs(2));
  hub_->Unsubscribe(b.get());
  hub_->Unsubscribe(b.get());  // twice is harmless
  EXPECT_EQ(hub_->stats().active_loops, 0);
  EXPECT_EQ(hub_->stats().subscribers, 0);
  EXPECT_FALSE(RunNext());  // no timer left
  EXPECT_THAT(stub_->calls(), SizeIs(2));
  EXPECT_FALSE(a->ended());  // leaving is not an end
  // A new watcher starts a new loop with an immediate poll.
  auto c = Watch();
  EXPECT_THAT(stub_->calls(), SizeIs(3));
  EXPECT_THAT(c->states(), SizeIs(1));
}

TEST_F(WatchHubTest, ShutdownEndsEveryWatcherAskingItToReconnect) {
  stub_->Script(key_, {TaskAnswer("IN_PROGRESS")});
  stub_->Script(FakeTaskStub::Key(kApi, kAccount, "task-2"),
                {TaskAnswer("OPEN")});
  auto a = Watch();
  auto b = Watch(Creds(), Target("task-2"));
  ASSERT_THAT(hub_->AcquireStream(), IsOk());
  hub_->Shutdown();
  for (const auto& w : {a, b}) {
    EXPECT_EQ(w->ends(), 1);
    EXPECT_THAT(w->end(), StatusIs(absl::StatusCode::kUnavailable,
                                   HasSubstr("reconnect")));
  }
  EXPECT_EQ(hub_->stats().active_loops, 0);
  EXPECT_THAT(hub_->Subscribe(Creds(), Target(), std::make_shared<Recorder>()),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(hub_->AcquireStream(), StatusIs(absl::StatusCode::kUnavailable));
  hub_->ReleaseStream();
  hub_->Shutdown();  // idempotent
  EXPECT_EQ(a->ends(), 1);
}

TEST_F(WatchHubTest, StreamAdmissionIsCapped) {
  WatchOptions options;
  options.max_streams = 2;
  MakeHub(options);
  ASSERT_THAT(hub_->AcquireStream(), IsOk());
  ASSERT_THAT(hub_->AcquireStream(), IsOk());
  EXPECT_THAT(hub_->AcquireStream(),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("WATCH_MAX_STREAMS")));
  EXPECT_EQ(hub_->stats().open_streams, 2);
  hub_->ReleaseStream();
  EXPECT_THAT(hub_->AcquireStream(), IsOk());
}

TEST_F(WatchHubTest, AFullExecutorPostponesThePollToTheNextTick) {
  bool accept = false;
  MakeHub(WatchOptions{}, [&accept](std::function<void()> task) {
    if (!accept) return false;
    task();
    return true;
  });
  stub_->Script(key_, {TaskAnswer("OPEN")});
  auto w = Watch();
  EXPECT_THAT(stub_->calls(), SizeIs(0));
  EXPECT_EQ(hub_->timers().NextDue(), clock_->Now() + absl::Seconds(1.5));
  accept = true;
  ASSERT_TRUE(RunNext());
  EXPECT_THAT(stub_->calls(), SizeIs(1));
  EXPECT_THAT(w->states(), SizeIs(1));
}

TEST_F(WatchHubTest, AwaitIdleSeesStreamsAndLoopsGo) {
  stub_->Script(key_, {TaskAnswer("OPEN")});
  ASSERT_THAT(hub_->AcquireStream(), IsOk());
  auto w = Watch();
  EXPECT_FALSE(hub_->AwaitIdle(absl::ZeroDuration()));
  hub_->Unsubscribe(w.get());
  EXPECT_FALSE(hub_->AwaitIdle(absl::ZeroDuration()));
  hub_->ReleaseStream();
  EXPECT_TRUE(hub_->AwaitIdle(absl::ZeroDuration()));
}

TEST(WatchHubExecutorTest, WatchersJoiningDuringASlowPollShareIt) {
  auto clock = std::make_shared<FakeClock>();
  auto stub = std::make_shared<FakeTaskStub>(clock);
  const std::string key = FakeTaskStub::Key(kApi, kAccount, kTask);
  stub->Script(key, {TaskAnswer("IN_PROGRESS", 2)});
  Executor executor(4, 100);
  WatchHub hub(
      stub,
      [&executor](std::function<void()> task) {
        return executor.Submit(std::move(task));
      },
      clock, WatchOptions{});
  stub->Block();
  auto first = std::make_shared<Recorder>();
  ASSERT_THAT(hub.Subscribe(Creds(), Target(), first), IsOk());
  ASSERT_TRUE(stub->AwaitBlockedCalls(1, absl::Seconds(10)));
  // 20 watchers join from other threads while the first poll hangs.
  std::vector<std::shared_ptr<Recorder>> joiners(20);
  std::vector<std::thread> threads;
  for (auto& j : joiners) {
    j = std::make_shared<Recorder>();
    threads.emplace_back([&hub, j] {
      auto latest = hub.Subscribe(Creds(), Target(), j);
      EXPECT_THAT(latest, IsOk());
    });
  }
  for (auto& t : threads) t.join();
  stub->Release();
  ASSERT_TRUE(first->AwaitStates(1, absl::Seconds(10)));
  for (const auto& j : joiners) {
    ASSERT_TRUE(j->AwaitStates(1, absl::Seconds(10)));
    EXPECT_EQ(j->states()[0], first->states()[0]);
  }
  EXPECT_THAT(stub->calls(), SizeIs(1));
  hub.Shutdown();
  executor.Shutdown();
}

// Answers each poll on a thread of its own, as the transport's event loop
// does, and records the thread it is destroyed on.
class ThreadedPoller : public TaskPoller {
 public:
  explicit ThreadedPoller(std::thread::id* destroyed_on)
      : destroyed_on_(destroyed_on) {}
  ~ThreadedPoller() override {
    *destroyed_on_ = std::this_thread::get_id();
    absl::MutexLock lock(&mu_);
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();  // destroyed by its own completion: the defect
    } else if (thread_.joinable()) {
      thread_.join();
    }
  }

  absl::StatusOr<v1::GetTaskResponse> PollTask(
      CallContext&, const v1::GetTaskRequest&) override {
    return absl::UnimplementedError("asynchronous only");
  }
  void StartPoll(CallContext&, const v1::GetTaskRequest&, Done done) override {
    absl::MutexLock lock(&mu_);
    thread_ = std::thread([completion = std::move(done)]() mutable {
      std::move(completion)(maesn::testing::TaskAnswer("IN_PROGRESS"));
    });
  }

 private:
  std::thread::id* const destroyed_on_;
  absl::Mutex mu_;
  std::thread thread_ ABSL_GUARDED_BY(mu_);
};

// Holds the poll's completion (in OnState) until the hub is shutting down.
class StallingWatcher : public TaskSubscriber {
 public:
  void OnState(TaskSnapshotPtr) override {
    delivering.Notify();
    shutting_down.WaitForNotification();
  }
  void OnEnd(const absl::Status&) override { shutting_down.Notify(); }

  absl::Notification delivering;
  absl::Notification shutting_down;
};

// A poll completes on the transport's thread while the hub is destroyed.
// The destruction waits for that completion, so the hub (which owns the
// poller, and through it the transport) is destroyed here, never on the
// transport's thread, which cannot join itself.
TEST(WatchHubShutdownTest, DestructionWaitsForThePollInFlight) {
  std::thread::id destroyed_on;
  auto hub = std::make_unique<WatchHub>(
      std::make_shared<ThreadedPoller>(&destroyed_on),
      [](std::function<void()> task) {
        task();
        return true;
      },
      std::make_shared<FakeClock>(), WatchOptions{});
  auto watcher = std::make_shared<StallingWatcher>();
  ASSERT_THAT(hub->Subscribe(Creds(), Target(), watcher), IsOk());
  watcher->delivering.WaitForNotification();  // the completion is running
  hub.reset();
  EXPECT_EQ(destroyed_on, std::this_thread::get_id());
}

TEST(IsTransientPollFailureTest, Classification) {
  EXPECT_TRUE(IsTransientPollFailure(HttpError(500)));
  EXPECT_TRUE(IsTransientPollFailure(HttpError(503)));
  EXPECT_TRUE(IsTransientPollFailure(HttpError(429)));
  EXPECT_TRUE(IsTransientPollFailure(HttpError(408)));
  EXPECT_TRUE(IsTransientPollFailure(absl::DeadlineExceededError("timeout")));
  EXPECT_TRUE(IsTransientPollFailure(WithErrorInfo(
      absl::UnavailableError("TLS handshake failed"), "UPSTREAM_TLS_FAILED")));
  EXPECT_FALSE(IsTransientPollFailure(HttpError(404)));
  EXPECT_FALSE(IsTransientPollFailure(HttpError(401)));
  EXPECT_FALSE(IsTransientPollFailure(HttpError(403)));
  EXPECT_FALSE(IsTransientPollFailure(HttpError(400)));
  EXPECT_FALSE(IsTransientPollFailure(HttpError(405)));
  EXPECT_FALSE(IsTransientPollFailure(absl::OkStatus()));
  EXPECT_FALSE(IsTransientPollFailure(WithErrorInfo(
      absl::InternalError("not JSON"), "INVALID_UPSTREAM_RESPONSE")));
}

}  // namespace
}  // namespace maesn::gateway
