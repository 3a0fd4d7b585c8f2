// The PageStreamer state machine without a network: a test subclass stands
// in for gRPC (it records writes and the final status, and the test plays
// the client by acknowledging writes), and a one-worker executor makes the
// order of fetches observable.
#include "gateway/service/page_streamer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gateway/common/executor.h"
#include "gateway/common/v1.h"
#include "maesn/accounting/v1/invoice.pb.h"

namespace maesn::gateway {
namespace {

using ::testing::ElementsAre;

constexpr absl::Duration kWait = absl::Seconds(10);

// What the fake gRPC side saw.
class Probe {
 public:
  void Write(const std::string& bytes) {
    v1::StreamInvoicesResponse m;
    EXPECT_TRUE(m.ParseFromString(bytes));
    absl::MutexLock lock(&mu_);
    writes_.push_back(m.invoice().invoice_id());
  }
  void Finish(const grpc::Status& s) {
    absl::MutexLock lock(&mu_);
    ++finishes_;
    status_ = s;
  }
  void Destroyed() {
    absl::MutexLock lock(&mu_);
    destroyed_ = true;
  }
  bool AwaitWrites(std::size_t n) {
    absl::MutexLock lock(&mu_);
    want_ = n;
    return mu_.AwaitWithTimeout(absl::Condition(this, &Probe::EnoughWrites),
                                kWait);
  }
  bool AwaitFinish() {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(this, &Probe::Finished), kWait);
  }
  bool AwaitDestroyed() {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&destroyed_), kWait);
  }
  std::vector<std::string> writes() const {
    absl::MutexLock lock(&mu_);
    return writes_;
  }
  int finishes() const {
    absl::MutexLock lock(&mu_);
    return finishes_;
  }
  std::optional<grpc::Status> status() const {
    absl::MutexLock lock(&mu_);
    return status_;
  }
  bool destroyed() const {
    absl::MutexLock lock(&mu_);
    return destroyed_;
  }

 private:
  bool EnoughWrites() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return writes_.size() >= want_;
  }
  bool Finished() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return finishes_ > 0;
  }

  mutable absl::Mutex mu_;
  std::vector<std::string> writes_ ABSL_GUARDED_BY(mu_);
  std::size_t want_ ABSL_GUARDED_BY(mu_) = 0;
  int finishes_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<grpc::Status> status_ ABSL_GUARDED_BY(mu_);
  bool destroyed_ ABSL_GUARDED_BY(mu_) = false;
};

class TestStreamer final : public PageStreamCore {
 public:
  TestStreamer(const ServiceEnvironment& env, Probe* probe)
      : PageStreamCore(env, "/test.Service/Stream"), probe_(probe) {}
  using PageStreamCore::HandleCancel;
  using PageStreamCore::HandleDone;
  using PageStreamCore::HandleWriteDone;
  using PageStreamCore::Run;

 private:
  ~TestStreamer() override { probe_->Destroyed(); }
  void StartWriteMessage(const std::string& bytes) override {
    probe_->Write(bytes);
  }
  void FinishStream(const grpc::Status& s) override { probe_->Finish(s); }

  Probe* probe_;
};

// Serves pages of `page_size` messages "p<page>-<i>", `pages` of them; a
// page can be held until released, or fail.
class Pages {
 public:
  Pages(int pages, int page_size) : pages_(pages), page_size_(page_size) {}

  void Hold(int page) {
    absl::MutexLock lock(&mu_);
    gates_[page] = std::make_shared<absl::Notification>();
  }
  void Release(int page) {
    std::shared_ptr<absl::Notification> gate;
    {
      absl::MutexLock lock(&mu_);
      gate = gates_[page];
    }
    gate->Notify();
  }
  void Fail(int page, absl::Status status) {
    absl::MutexLock lock(&mu_);
    failures_[page] = std::move(status);
  }
  int fetches() const {
    absl::MutexLock lock(&mu_);
    return fetches_;
  }
  bool AwaitFetches(int n) {
    absl::MutexLock lock(&mu_);
    want_ = n;
    return mu_.AwaitWithTimeout(absl::Condition(this, &Pages::EnoughFetches),
                                kWait);
  }
  std::vector<bool> cancelled_seen() const {
    absl::MutexLock lock(&mu_);
    return cancelled_seen_;
  }

  // Fetches on `executor`'s worker, so that a held page blocks that worker,
  // not the streamer; a refused Submit is RESOURCE_EXHAUSTED.
  PageFetcher Fetcher(Executor& executor) {
    return [this, &executor](CallContext& call, PageDone done) {
      auto shared = std::make_shared<PageDone>(std::move(done));
      if (!executor.Submit(
              [this, &call, shared] { std::move (*shared)(Fetch(call)); })) {
        std::move (*shared)(absl::ResourceExhaustedError("executor full"));
      }
    };
  }

 private:
  absl::StatusOr<StreamPage> Fetch(CallContext& call) {
    {
      int page;
      std::shared_ptr<absl::Notification> gate;
      std::optional<absl::Status> failure;
      {
        absl::MutexLock lock(&mu_);
        page = ++fetches_;
        if (auto it = gates_.find(page); it != gates_.end()) gate = it->second;
        if (auto it = failures_.find(page); it != failures_.end()) {
          failure = it->second;
        }
      }
      if (gate != nullptr) gate->WaitForNotificationWithTimeout(kWait);
      {
        absl::MutexLock lock(&mu_);
        cancelled_seen_.push_back(call.Cancelled());
      }
      if (failure.has_value()) return *failure;
      StreamPage out;
      out.last = page >= pages_;
      for (int i = 0; i < page_size_; ++i) {
        v1::StreamInvoicesResponse m;
        m.mutable_invoice()->set_invoice_id("p" + std::to_string(page) + "-" +
                                            std::to_string(i));
        out.messages.push_back(m.SerializeAsString());
      }
      return out;
    }
  }

  bool EnoughFetches() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return fetches_ >= want_;
  }

  const int pages_;
  const int page_size_;
  mutable absl::Mutex mu_;
  int fetches_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<int, std::shared_ptr<absl::Notification>> gates_
      ABSL_GUARDED_BY(mu_);
  std::map<int, absl::Status> failures_ ABSL_GUARDED_BY(mu_);
  std::vector<bool> cancelled_seen_ ABSL_GUARDED_BY(mu_);
  int want_ ABSL_GUARDED_BY(mu_) = 0;
};

class PageStreamerTest : public ::testing::Test {
 protected:
  PageStreamerTest() : executor_(1, 100) {}

  TestStreamer* Start(Pages& pages, absl::Status setup = absl::OkStatus()) {
    auto* s = new TestStreamer(env_, &probe_);
    s->Run(CallContext{}, std::move(setup), pages.Fetcher(executor_));
    return s;
  }

  // Runs `check` on the (single) executor worker after everything queued
  // before it; it sees whether anything got queued behind in the meantime.
  void AfterQueuedWork(std::function<void()> check) {
    absl::Notification done;
    ASSERT_TRUE(executor_.Submit([&] {
      check();
      done.Notify();
    }));
    ASSERT_TRUE(done.WaitForNotificationWithTimeout(kWait));
  }

  Executor executor_;
  ServiceEnvironment env_;
  Probe probe_;
};

TEST_F(PageStreamerTest, DeliversEveryPageInOrderOneWriteAtATime) {
  Pages pages(3, 2);
  TestStreamer* s = Start(pages);
  for (std::size_t n = 1; n <= 6; ++n) {
    ASSERT_TRUE(probe_.AwaitWrites(n));
    // Whatever the fetches did meanwhile, no second write started.
    AfterQueuedWork([&] { EXPECT_EQ(probe_.writes().size(), n); });
    EXPECT_EQ(probe_.finishes(), 0);
    s->HandleWriteDone(true);
  }
  ASSERT_TRUE(probe_.AwaitFinish());
  EXPECT_TRUE(probe_.status()->ok());
  EXPECT_THAT(probe_.writes(),
              ElementsAre("p1-0", "p1-1", "p2-0", "p2-1", "p3-0", "p3-1"));
  EXPECT_EQ(pages.fetches(), 3);
  s->HandleDone();
  EXPECT_TRUE(probe_.AwaitDestroyed());
}

TEST_F(PageStreamerTest, SlowReaderNeverGetsMoreThanOnePageAhead) {
  Pages pages(100, 3);
  TestStreamer* s = Start(pages);
  ASSERT_TRUE(probe_.AwaitWrites(1));  // page 1 is being written
  ASSERT_TRUE(pages.AwaitFetches(2));  // page 2 is fetched meanwhile
  // The client reads nothing more: page 3 must not be fetched.
  AfterQueuedWork([&] {
    EXPECT_EQ(pages.fetches(), 2);
    EXPECT_EQ(executor_.queued(), 0u);
  });
  // Page 1 read to its end: page 2 is written, page 3 fetched, no more.
  s->HandleWriteDone(true);
  ASSERT_TRUE(probe_.AwaitWrites(2));
  s->HandleWriteDone(true);
  ASSERT_TRUE(probe_.AwaitWrites(3));
  s->HandleWriteDone(true);
  ASSERT_TRUE(probe_.AwaitWrites(4));
  EXPECT_EQ(probe_.writes().back(), "p2-0");
  ASSERT_TRUE(pages.AwaitFetches(3));
  AfterQueuedWork([&] {
    EXPECT_EQ(pages.fetches(), 3);
    EXPECT_EQ(executor_.queued(), 0u);
  });
  // The client goes away during a write.
  s->HandleCancel();
  EXPECT_EQ(probe_.finishes(), 0);  // waits for the write in flight
  s->HandleWriteDone(false);
  ASSERT_TRUE(probe_.AwaitFinish());
  EXPECT_EQ(probe_.status()->error_code(), grpc::StatusCode::CANCELLED);
  s->HandleDone();
  ASSERT_TRUE(probe_.AwaitDestroyed());
  EXPECT_EQ(pages.fetches(), 3);
  EXPECT_EQ(probe_.writes().size(), 4u);
}

TEST_F(PageStreamerTest, CancelDuringAFetchFinishesAtOnceAndFetchesNoMore) {
  Pages pages(10, 1);
  pages.Hold(2);
  TestStreamer* s = Start(pages);
  ASSERT_TRUE(probe_.AwaitWrites(1));
  ASSERT_TRUE(pages.AwaitFetches(2));  // page 2 is held upstream
  s->HandleWriteDone(true);            // nothing more to write yet
  s->HandleCancel();
  ASSERT_TRUE(probe_.AwaitFinish());  // without waiting for the fetch
  EXPECT_EQ(probe_.status()->error_code(), grpc::StatusCode::CANCELLED);
  s->HandleDone();
  EXPECT_FALSE(probe_.destroyed());  // the fetch still refers to it
  pages.Release(2);
  ASSERT_TRUE(probe_.AwaitDestroyed());
  AfterQueuedWork([&] { EXPECT_EQ(pages.fetches(), 2); });
  // The held fetch saw the cancellation (the transport aborts on it).
  EXPECT_THAT(pages.cancelled_seen(), ElementsAre(false, true));
  EXPECT_EQ(probe_.writes().size(), 1u);
  EXPECT_EQ(probe_.finishes(), 1);
}

TEST_F(PageStreamerTest, FetchErrorEndsTheStreamAfterWhatWasFetched) {
  Pages pages(5, 2);
  pages.Fail(2, absl::UnavailableError("Maesn is down"));
  TestStreamer* s = Start(pages);
  ASSERT_TRUE(probe_.AwaitWrites(1));
  s->HandleWriteDone(true);
  ASSERT_TRUE(probe_.AwaitWrites(2));
  s->HandleWriteDone(true);
  ASSERT_TRUE(probe_.AwaitFinish());
  EXPECT_EQ(probe_.status()->error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(probe_.writes(), ElementsAre("p1-0", "p1-1"));
  EXPECT_EQ(pages.fetches(), 2);
  s->HandleDone();
  EXPECT_TRUE(probe_.AwaitDestroyed());
}

TEST_F(PageStreamerTest, SetupErrorFinishesWithoutAnyFetch) {
  Pages pages(5, 2);
  TestStreamer* s = Start(pages, absl::InvalidArgumentError("page_size: bad"));
  ASSERT_TRUE(probe_.AwaitFinish());
  EXPECT_EQ(probe_.status()->error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  AfterQueuedWork([&] { EXPECT_EQ(pages.fetches(), 0); });
  s->HandleDone();
  EXPECT_TRUE(probe_.destroyed());
}

TEST_F(PageStreamerTest, EmptyListFinishesOkWithoutWrites) {
  Pages pages(1, 0);
  TestStreamer* s = Start(pages);
  ASSERT_TRUE(probe_.AwaitFinish());
  EXPECT_TRUE(probe_.status()->ok());
  EXPECT_TRUE(probe_.writes().empty());
  s->HandleDone();
  EXPECT_TRUE(probe_.AwaitDestroyed());
}

// Each page fetch holds one UPSTREAM_MAX_IN_FLIGHT slot (it used to need
// an executor worker): with none free the stream is RESOURCE_EXHAUSTED
// before any fetch.
TEST(PageStreamerCapacityTest, NoFreeUpstreamSlotIsResourceExhausted) {
  Executor executor(1, 10);
  InFlightLimit none(0);
  ServiceEnvironment env;
  env.upstream_limit = &none;
  Probe probe;
  Pages pages(1, 1);
  auto* s = new TestStreamer(env, &probe);
  s->Run(CallContext{}, absl::OkStatus(), pages.Fetcher(executor));
  ASSERT_TRUE(probe.AwaitFinish());
  EXPECT_EQ(probe.status()->error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(pages.fetches(), 0);
  s->HandleDone();
  EXPECT_TRUE(probe.destroyed());
}

}  // namespace
}  // namespace maesn::gateway
