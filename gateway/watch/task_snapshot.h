#ifndef MAESN_GATEWAY_WATCH_TASK_SNAPSHOT_H_
#define MAESN_GATEWAY_WATCH_TASK_SNAPSHOT_H_

#include <cstdint>
#include <memory>

#include "gateway/common/v1.h"
#include "maesn/accounting/v1/task.pb.h"

namespace maesn::gateway {

// True when `a` and `b` describe the same state of a task as far as a
// watcher is concerned: status, raw_status, information and response_data
// (compared by value, not by encoding). Everything else (task_id, done, the
// envelope meta) follows from these or is not a change.
bool SameTaskState(const v1::Task& a, const v1::Task& b);

// One observed state of a task, shared read-only by every watcher of the
// loop that observed it (so N watchers hold one copy). Immutable once
// published; safe to read from any thread.
struct TaskSnapshot {
  // Increases with every change a loop publishes; a watcher ignores a
  // snapshot whose version is not above the last one it saw.
  std::uint64_t version = 0;
  // The stream message: task, meta and observe_time (heartbeat unset).
  v1::WatchTaskResponse message;

  const v1::Task& task() const { return message.task(); }
  bool done() const { return message.task().done(); }
};

using TaskSnapshotPtr = std::shared_ptr<const TaskSnapshot>;

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_WATCH_TASK_SNAPSHOT_H_
