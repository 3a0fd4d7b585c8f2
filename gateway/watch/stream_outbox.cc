#include "gateway/watch/stream_outbox.h"

#include <utility>

namespace maesn::gateway {

bool StreamOutbox::Offer(TaskSnapshotPtr snapshot) {
  if (snapshot == nullptr || snapshot->version <= last_version_) return false;
  last_version_ = snapshot->version;
  if (waiting_ != nullptr) ++coalesced_;
  waiting_ = std::move(snapshot);
  return true;
}

TaskSnapshotPtr StreamOutbox::TakeState() {
  if (in_flight_ || waiting_ == nullptr) return nullptr;
  TaskSnapshotPtr next = std::move(waiting_);
  waiting_ = nullptr;
  if (last_written_ != nullptr &&
      SameTaskState(last_written_->task(), next->task())) {
    return nullptr;
  }
  in_flight_ = true;
  last_written_ = next;
  return next;
}

bool StreamOutbox::TakeHeartbeat() {
  if (in_flight_ || waiting_ != nullptr) return false;
  in_flight_ = true;
  return true;
}

}  // namespace maesn::gateway
