#ifndef MAESN_GATEWAY_WATCH_STREAM_OUTBOX_H_
#define MAESN_GATEWAY_WATCH_STREAM_OUTBOX_H_

#include <cstdint>

#include "gateway/watch/task_snapshot.h"

namespace maesn::gateway {

// What one watch stream still has to send, with at most one write in flight.
//
// States that arrive while a write is in flight wait in a one-slot queue:
// a newer state replaces the waiting one, so a slow client skips to the
// latest state instead of piling up memory. A state is never written when
// it equals the last one written (SameTaskState), so coalescing can never
// produce two equal messages in a row. States not newer than the last
// offered one (TaskSnapshot::version) are ignored, so deliveries that race
// each other cannot move a stream backwards.
//
// Not thread-safe: the owning stream calls it under its own lock.
class StreamOutbox {
 public:
  // Offers a newly observed state. Returns false when it was ignored as not
  // newer than the last offered one.
  bool Offer(TaskSnapshotPtr snapshot);

  // The state to write now, or null (a write is in flight, nothing waits,
  // or the waiting state equals the last written one, which is dropped).
  // A non-null result counts as the write in flight.
  TaskSnapshotPtr TakeState();
  // True (and counts as the write in flight) when a heartbeat may be
  // written now: nothing in flight and no state waiting.
  bool TakeHeartbeat();
  // The write in flight has completed.
  void WriteDone() { in_flight_ = false; }

  bool write_in_flight() const { return in_flight_; }
  bool has_waiting() const { return waiting_ != nullptr; }
  const TaskSnapshotPtr& last_written() const { return last_written_; }
  // States that were replaced before they could be written.
  std::int64_t coalesced() const { return coalesced_; }

 private:
  TaskSnapshotPtr waiting_;
  TaskSnapshotPtr last_written_;
  std::uint64_t last_version_ = 0;
  bool in_flight_ = false;
  std::int64_t coalesced_ = 0;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_WATCH_STREAM_OUTBOX_H_
