#include "gateway/watch/stream_outbox.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace maesn::gateway {
namespace {

TaskSnapshotPtr State(std::uint64_t version, const std::string& raw_status) {
  auto s = std::make_shared<TaskSnapshot>();
  s->version = version;
  s->message.mutable_task()->set_raw_status(raw_status);
  return s;
}

TEST(StreamOutboxTest, WritesTheFirstStateAtOnce) {
  StreamOutbox box;
  auto a = State(1, "OPEN");
  EXPECT_TRUE(box.Offer(a));
  EXPECT_EQ(box.TakeState(), a);
  EXPECT_TRUE(box.write_in_flight());
  EXPECT_EQ(box.TakeState(), nullptr);  // one write in flight
  box.WriteDone();
  EXPECT_EQ(box.TakeState(), nullptr);  // nothing new
}

TEST(StreamOutboxTest, ASlowClientSkipsToTheLatestState) {
  StreamOutbox box;
  box.Offer(State(1, "OPEN"));
  ASSERT_NE(box.TakeState(), nullptr);
  box.Offer(State(2, "IN_PROGRESS"));
  box.Offer(State(3, "IN_PROGRESS+info"));
  auto latest = State(4, "SUCCESS");
  box.Offer(latest);
  EXPECT_EQ(box.coalesced(), 2);
  EXPECT_EQ(box.TakeState(), nullptr);
  box.WriteDone();
  EXPECT_EQ(box.TakeState(), latest);
  EXPECT_EQ(box.last_written(), latest);
}

TEST(StreamOutboxTest, CoalescingNeverWritesTheSameStateTwiceInARow) {
  StreamOutbox box;
  box.Offer(State(1, "OPEN"));
  ASSERT_NE(box.TakeState(), nullptr);
  // While OPEN is being written, the task goes IN_PROGRESS and back to
  // OPEN: the waiting state equals the one the client is getting.
  box.Offer(State(2, "IN_PROGRESS"));
  box.Offer(State(3, "OPEN"));
  box.WriteDone();
  EXPECT_EQ(box.TakeState(), nullptr);
  EXPECT_FALSE(box.has_waiting());
  EXPECT_FALSE(box.write_in_flight());
  // A real change afterwards is written.
  box.Offer(State(4, "SUCCESS"));
  auto next = box.TakeState();
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(next->task().raw_status(), "SUCCESS");
}

TEST(StreamOutboxTest, StaleOrRepeatedVersionsAreIgnored) {
  StreamOutbox box;
  EXPECT_TRUE(box.Offer(State(5, "IN_PROGRESS")));
  EXPECT_FALSE(box.Offer(State(5, "IN_PROGRESS")));
  EXPECT_FALSE(box.Offer(State(3, "OPEN")));  // raced behind a newer one
  EXPECT_FALSE(box.Offer(nullptr));
  auto s = box.TakeState();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->version, 5u);
}

TEST(StreamOutboxTest, HeartbeatsOnlyWhenNothingElseIsPending) {
  StreamOutbox box;
  EXPECT_TRUE(box.TakeHeartbeat());
  EXPECT_FALSE(box.TakeHeartbeat());  // in flight
  box.Offer(State(1, "OPEN"));
  box.WriteDone();
  EXPECT_FALSE(box.TakeHeartbeat());  // a state waits: it goes first
  EXPECT_NE(box.TakeState(), nullptr);
  box.WriteDone();
  EXPECT_TRUE(box.TakeHeartbeat());
}

}  // namespace
}  // namespace maesn::gateway
