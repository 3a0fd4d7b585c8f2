#include "gateway/service/watch_calls.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/optional.h"
#include "gateway/common/errors.h"
#include "gateway/service/request_validation.h"
#include "gateway/service/wire.h"
#include "gateway/watch/stream_outbox.h"

namespace maesn::gateway {
namespace {

google::protobuf::Timestamp ToProtoTime(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t nanos = absl::ToUnixNanos(t);
  ts.set_seconds(nanos / 1000000000);
  ts.set_nanos(static_cast<int32_t>(nanos % 1000000000));
  return ts;
}

// The poll request of a watched task: the fields of the watch or wait
// request that the poll rpc's request has too (task id and scope).
v1::GetTaskRequest PollRequest(const google::protobuf::Message& request) {
  v1::GetTaskRequest target;
  const auto* from = request.GetDescriptor();
  const auto* to = target.GetDescriptor();
  for (int i = 0; i < to->field_count(); ++i) {
    const auto* t = to->field(i);
    const auto* f = from->FindFieldByName(t->name());
    if (f != nullptr &&
        f->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
        t->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      target.GetReflection()->SetString(
          &target, t, request.GetReflection()->GetString(request, f));
    }
  }
  return target;
}

absl::Status MaxDurationStatus(absl::Duration max) {
  return WithErrorInfo(
      absl::DeadlineExceededError(absl::StrCat(
          "the call reached the gateway's maximum watch time of ",
          absl::FormatDuration(max),
          " (WATCH_MAX_DURATION_MS): call again to go on watching; the first "
          "message of a new stream is the task's current state")),
      "WATCH_MAX_DURATION");
}

// --- WatchTask --------------------------------------------------------------

class WatchTaskCall final : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                            public TaskSubscriber,
                            public std::enable_shared_from_this<WatchTaskCall> {
 public:
  WatchTaskCall(const ServiceEnvironment& env, const RestBinding& binding,
                WatchHub* hub, grpc::CallbackServerContext* context)
      : binding_(binding),
        hub_(hub),
        context_(context),
        lifecycle_(env, binding.rpc, /*server_stream=*/true) {}

  void Begin(const v1::WatchTaskRequest& request, const absl::Status& parsed) {
    self_ = shared_from_this();
    absl::Status status = lifecycle_.Begin(context_, call_);
    if (status.ok()) status = parsed;
    const v1::GetTaskRequest target = PollRequest(request);
    if (status.ok()) status = ValidateRequest(*binding_.poll, target);
    absl::Duration heartbeat;
    if (status.ok()) status = ReadHeartbeat(request, &heartbeat);
    if (heartbeat > absl::ZeroDuration()) {
      heartbeat = std::max(heartbeat, hub_->options().heartbeat_min);
    }
    if (status.ok()) {
      status = hub_->AcquireStream();
      acquired_ = status.ok();
    }
    if (!status.ok()) {
      End(std::move(status));
      return;
    }
    const absl::Time now = hub_->clock().Now();
    std::weak_ptr<WatchTaskCall> weak = weak_from_this();
    {
      absl::MutexLock lock(&mu_);
      heartbeat_ = heartbeat;
      last_write_ = now;
      max_duration_timer_ =
          hub_->timers().Schedule(now + hub_->options().max_duration, [weak] {
            if (auto self = weak.lock()) {
              self->Stop(MaxDurationStatus(self->hub_->options().max_duration));
            }
          });
      if (heartbeat_ > absl::ZeroDuration()) {
        ScheduleHeartbeatLocked(now + heartbeat_);
      }
    }
    auto latest =
        hub_->Subscribe(call_.credentials, target, shared_from_this());
    if (!latest.ok()) {
      End(latest.status());
    } else if (*latest != nullptr) {
      OnState(*std::move(latest));
    }
  }

  // TaskSubscriber.
  void OnState(TaskSnapshotPtr snapshot) override {
    {
      absl::MutexLock lock(&mu_);
      if (end_.has_value() || !outbox_.Offer(std::move(snapshot))) return;
    }
    Pump();
  }
  void OnEnd(const absl::Status& status) override { End(status); }

  // gRPC reactions.
  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      outbox_.WriteDone();
      writing_.reset();
    }
    if (!ok) {
      Stop(absl::CancelledError("the stream broke while writing"));
      return;
    }
    Pump();
  }
  void OnCancel() override {
    Stop(
        absl::CancelledError("the client cancelled the call or its "
                             "deadline passed"));
  }
  void OnDone() override {
    CancelTimers();
    hub_->Unsubscribe(this);
    if (acquired_) hub_->ReleaseStream();
    std::shared_ptr<WatchTaskCall> keep;
    {
      absl::MutexLock lock(&mu_);
      keep = std::move(self_);
    }
    // `keep` may be the last reference: nothing touches `this` below.
  }

 private:
  static absl::Status ReadHeartbeat(const v1::WatchTaskRequest& request,
                                    absl::Duration* out) {
    *out = absl::ZeroDuration();
    if (!request.has_heartbeat_interval()) return absl::OkStatus();
    const auto& d = request.heartbeat_interval();
    if (d.seconds() < 0 || d.nanos() < 0) {
      return InvalidField("heartbeat_interval", "must not be negative");
    }
    if (d.nanos() > 999999999 || d.seconds() > 315576000000) {
      return InvalidField("heartbeat_interval", "is not a valid Duration");
    }
    *out = absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
    return absl::OkStatus();
  }

  // Ends the call from our side (cancel, broken stream, max duration):
  // leaves the hub at once, then finishes.
  void Stop(absl::Status status) {
    hub_->Unsubscribe(this);
    End(std::move(status));
  }

  // Records the final status (the first one wins) and finishes as soon as
  // no write is in flight: after the waiting state for OK, at once (the
  // waiting state dropped) for an error.
  void End(absl::Status status) {
    {
      absl::MutexLock lock(&mu_);
      if (!end_.has_value()) end_ = std::move(status);
    }
    CancelTimers();
    // Always: an earlier End may have been waiting for the write in flight
    // that has just completed (e.g. OnCancel, then OnWriteDone(false)).
    Pump();
  }

  // Starts the next write or the Finish, whichever is due; gRPC calls are
  // made after unlocking.
  void Pump() {
    const v1::WatchTaskResponse* write = nullptr;
    absl::optional<absl::Status> finish;
    {
      absl::MutexLock lock(&mu_);
      if (finish_called_ || outbox_.write_in_flight()) return;
      if (end_.has_value() && !end_->ok()) {
        finish = *end_;
      } else if (TaskSnapshotPtr next = outbox_.TakeState()) {
        writing_ = std::move(next);
        write = &writing_->message;
        heartbeat_due_ = false;  // the state says "alive" just as well
      } else if (end_.has_value()) {
        finish = *end_;
      } else if (heartbeat_due_ && outbox_.TakeHeartbeat()) {
        heartbeat_due_ = false;
        heartbeat_message_.Clear();
        heartbeat_message_.set_heartbeat(true);
        *heartbeat_message_.mutable_observe_time() =
            ToProtoTime(hub_->clock().Now());
        write = &heartbeat_message_;
      }
      if (write != nullptr) last_write_ = hub_->clock().Now();
      if (finish.has_value()) finish_called_ = true;
    }
    if (write != nullptr) {
      // Only OnWriteDone (after this write) touches the buffer again.
      write_buffer_ = ToByteBuffer(*write);
      StartWrite(&write_buffer_);
    } else if (finish.has_value()) {
      Finish(lifecycle_.End(context_, *finish, call_));
    }
  }

  void ScheduleHeartbeatLocked(absl::Time when)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::weak_ptr<WatchTaskCall> weak = weak_from_this();
    heartbeat_timer_ = hub_->timers().Schedule(when, [weak] {
      if (auto self = weak.lock()) self->OnHeartbeatTimer();
    });
  }

  void OnHeartbeatTimer() {
    {
      absl::MutexLock lock(&mu_);
      heartbeat_timer_ = 0;
      if (end_.has_value()) return;
      const absl::Time now = hub_->clock().Now();
      if (now - last_write_ >= heartbeat_) heartbeat_due_ = true;
      ScheduleHeartbeatLocked(heartbeat_due_ ? now + heartbeat_
                                             : last_write_ + heartbeat_);
    }
    Pump();
  }

  void CancelTimers() {
    TimerQueue::TimerId heartbeat, max_duration;
    {
      absl::MutexLock lock(&mu_);
      heartbeat = heartbeat_timer_;
      max_duration = max_duration_timer_;
      heartbeat_timer_ = max_duration_timer_ = 0;
    }
    if (heartbeat != 0) hub_->timers().Cancel(heartbeat);
    if (max_duration != 0) hub_->timers().Cancel(max_duration);
  }

  const RestBinding& binding_;
  WatchHub* const hub_;
  grpc::CallbackServerContext* const context_;
  CallLifecycle lifecycle_;
  CallContext call_;               // set in Begin, then read-only
  bool acquired_ = false;          // set in Begin, then read-only
  grpc::ByteBuffer write_buffer_;  // the write in flight

  absl::Mutex mu_;
  std::shared_ptr<WatchTaskCall> self_;  // alive until OnDone
  StreamOutbox outbox_ ABSL_GUARDED_BY(mu_);
  TaskSnapshotPtr writing_ ABSL_GUARDED_BY(mu_);  // state being written
  v1::WatchTaskResponse heartbeat_message_ ABSL_GUARDED_BY(mu_);
  absl::optional<absl::Status> end_ ABSL_GUARDED_BY(mu_);
  bool finish_called_ ABSL_GUARDED_BY(mu_) = false;
  absl::Duration heartbeat_ ABSL_GUARDED_BY(mu_);  // zero = none
  bool heartbeat_due_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_write_ ABSL_GUARDED_BY(mu_);
  TimerQueue::TimerId heartbeat_timer_ ABSL_GUARDED_BY(mu_) = 0;
  TimerQueue::TimerId max_duration_timer_ ABSL_GUARDED_BY(mu_) = 0;
};

// --- WaitTask ---------------------------------------------------------------

class WaitTaskCall final : public grpc::ServerUnaryReactor,
                           public TaskSubscriber,
                           public std::enable_shared_from_this<WaitTaskCall> {
 public:
  WaitTaskCall(const ServiceEnvironment& env, const RestBinding& binding,
               WatchHub* hub, grpc::CallbackServerContext* context,
               grpc::ByteBuffer* response)
      : binding_(binding),
        hub_(hub),
        context_(context),
        response_(response),
        lifecycle_(env, binding.rpc, /*server_stream=*/false) {}

  void Begin(const google::protobuf::Message& request,
             const absl::Status& parsed) {
    self_ = shared_from_this();
    absl::Status status = lifecycle_.Begin(context_, call_);
    if (status.ok()) status = parsed;
    const v1::GetTaskRequest target = PollRequest(request);
    if (status.ok()) status = ValidateRequest(*binding_.poll, target);
    if (status.ok()) {
      status = hub_->AcquireStream();
      acquired_ = status.ok();
    }
    if (!status.ok()) {
      Complete(std::move(status), nullptr);
      return;
    }
    std::weak_ptr<WaitTaskCall> weak = weak_from_this();
    {
      absl::MutexLock lock(&mu_);
      max_duration_timer_ = hub_->timers().Schedule(
          hub_->clock().Now() + hub_->options().max_duration, [weak] {
            if (auto self = weak.lock()) {
              self->Complete(
                  MaxDurationStatus(self->hub_->options().max_duration),
                  nullptr);
            }
          });
    }
    auto latest =
        hub_->Subscribe(call_.credentials, target, shared_from_this());
    if (!latest.ok()) {
      Complete(latest.status(), nullptr);
    } else if (*latest != nullptr) {
      OnState(*std::move(latest));
    }
  }

  void OnState(TaskSnapshotPtr snapshot) override {
    if (snapshot->done()) Complete(absl::OkStatus(), snapshot.get());
  }
  void OnEnd(const absl::Status& status) override {
    // An OK end always follows the terminal state (already answered).
    if (!status.ok()) Complete(status, nullptr);
  }
  void OnCancel() override {
    const bool expired =
        std::chrono::system_clock::now() >= context_->deadline();
    Complete(expired ? absl::DeadlineExceededError(
                           "the caller's deadline passed before the task "
                           "reached a terminal status")
                     : absl::CancelledError("the client cancelled the call"),
             nullptr);
  }
  void OnDone() override {
    hub_->Unsubscribe(this);
    if (acquired_) hub_->ReleaseStream();
    std::shared_ptr<WaitTaskCall> keep;
    {
      absl::MutexLock lock(&mu_);
      keep = std::move(self_);
    }
  }

 private:
  // Answers once: with `terminal` when OK, else with `status`.
  void Complete(absl::Status status, const TaskSnapshot* terminal) {
    TimerQueue::TimerId timer;
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      finished_ = true;
      timer = max_duration_timer_;
      max_duration_timer_ = 0;
      if (terminal != nullptr) {
        v1::WaitTaskResponse answer;
        *answer.mutable_task() = terminal->task();
        *answer.mutable_meta() = terminal->message.meta();
        *answer.mutable_observe_time() = terminal->message.observe_time();
        answer.set_next_page_token(terminal->message.next_page_token());
        *response_ = ToByteBuffer(answer);
      }
    }
    if (timer != 0) hub_->timers().Cancel(timer);
    hub_->Unsubscribe(this);
    Finish(lifecycle_.End(context_, status, call_));
  }

  const RestBinding& binding_;
  WatchHub* const hub_;
  grpc::CallbackServerContext* const context_;
  grpc::ByteBuffer* const response_;
  CallLifecycle lifecycle_;
  CallContext call_;       // set in Begin, then read-only
  bool acquired_ = false;  // set in Begin, then read-only

  absl::Mutex mu_;
  std::shared_ptr<WaitTaskCall> self_;  // alive until OnDone
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  TimerQueue::TimerId max_duration_timer_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* StartWatchTask(
    const ServiceEnvironment& env, const RestBinding& binding, WatchHub* hub,
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  v1::WatchTaskRequest parsed;
  absl::Status status = ParseRequest(*request, parsed);
  auto call = std::make_shared<WatchTaskCall>(env, binding, hub, context);
  call->Begin(parsed, status);
  return call.get();
}

grpc::ServerUnaryReactor* StartWaitTask(const ServiceEnvironment& env,
                                        const RestBinding& binding,
                                        WatchHub* hub,
                                        grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) {
  v1::WaitTaskRequest parsed;
  absl::Status status = ParseRequest(*request, parsed);
  auto call =
      std::make_shared<WaitTaskCall>(env, binding, hub, context, response);
  call->Begin(parsed, status);
  return call.get();
}

}  // namespace maesn::gateway
