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
#include "gateway/service/validation.h"
#include "gateway/watch/stream_outbox.h"

namespace maesn::gateway {
namespace {

constexpr absl::string_view kWatchMethod =
    "/maesn.accounting.v1.TaskService/WatchTask";
constexpr absl::string_view kWaitMethod =
    "/maesn.accounting.v1.TaskService/WaitTask";

google::protobuf::Timestamp ToProtoTime(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t nanos = absl::ToUnixNanos(t);
  ts.set_seconds(nanos / 1000000000);
  ts.set_nanos(static_cast<int32_t>(nanos % 1000000000));
  return ts;
}

absl::Status ValidateTarget(const std::string& task_id,
                            const std::string& company_id,
                            const std::string& environment_name) {
  for (auto s : {ValidateId("task_id", task_id),
                 ValidateOptional("company_id", company_id),
                 ValidateOptional("environment_name", environment_name)}) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

v1::GetTaskRequest Target(const std::string& task_id,
                          const std::string& company_id,
                          const std::string& environment_name) {
  v1::GetTaskRequest target;
  target.set_task_id(task_id);
  target.set_company_id(company_id);
  target.set_environment_name(environment_name);
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

// The RpcObserver bookkeeping of one call.
class CallRecord {
 public:
  CallRecord(const ServiceEnvironment& env, absl::string_view method)
      : observer_(env.observer) {
    record_.method = std::string(method);
    record_.start = absl::Now();
    if (observer_ != nullptr) observer_->OnRpcStart(record_);
  }
  // Once, when the call's final status is known.
  void End(const absl::Status& status, const grpc::Status& sent,
           const CallContext& call) {
    if (observer_ == nullptr) return;
    record_.code = status.code();
    record_.duration = absl::Now() - record_.start;
    record_.request_id = call.request_id;
    record_.stats = call.stats;
    record_.error_reason = sent.error_message();
    observer_->OnRpcEnd(record_);
  }

 private:
  RpcObserver* observer_;
  RpcRecord record_;
};

// --- WatchTask --------------------------------------------------------------

class WatchTaskCall final
    : public grpc::ServerWriteReactor<v1::WatchTaskResponse>,
      public TaskSubscriber,
      public std::enable_shared_from_this<WatchTaskCall> {
 public:
  WatchTaskCall(const ServiceEnvironment& env, WatchHub* hub,
                grpc::CallbackServerContext* context)
      : env_(env), hub_(hub), context_(context), record_(env, kWatchMethod) {}

  void Begin(const v1::WatchTaskRequest& request) {
    self_ = shared_from_this();
    absl::Status status = MakeCallContext(env_, context_, call_);
    if (status.ok()) {
      status = ValidateTarget(request.task_id(), request.company_id(),
                              request.environment_name());
    }
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
        hub_->Subscribe(call_.credentials,
                        Target(request.task_id(), request.company_id(),
                               request.environment_name()),
                        shared_from_this());
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
      StartWrite(write);
    } else if (finish.has_value()) {
      AddStatusTrailers(context_, *finish);
      grpc::Status out = ToGrpcStatus(*finish, &call_.credentials);
      record_.End(*finish, out, call_);
      Finish(out);
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

  const ServiceEnvironment& env_;
  WatchHub* const hub_;
  grpc::CallbackServerContext* const context_;
  CallRecord record_;
  CallContext call_;       // set in Begin, then read-only
  bool acquired_ = false;  // set in Begin, then read-only

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
  WaitTaskCall(const ServiceEnvironment& env, WatchHub* hub,
               grpc::CallbackServerContext* context,
               v1::WaitTaskResponse* response)
      : env_(env),
        hub_(hub),
        context_(context),
        response_(response),
        record_(env, kWaitMethod) {}

  void Begin(const v1::WaitTaskRequest& request) {
    self_ = shared_from_this();
    absl::Status status = MakeCallContext(env_, context_, call_);
    if (status.ok()) {
      status = ValidateTarget(request.task_id(), request.company_id(),
                              request.environment_name());
    }
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
        hub_->Subscribe(call_.credentials,
                        Target(request.task_id(), request.company_id(),
                               request.environment_name()),
                        shared_from_this());
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
        *response_->mutable_task() = terminal->task();
        *response_->mutable_meta() = terminal->message.meta();
        *response_->mutable_observe_time() = terminal->message.observe_time();
      }
    }
    if (timer != 0) hub_->timers().Cancel(timer);
    hub_->Unsubscribe(this);
    AddStatusTrailers(context_, status);
    grpc::Status out = ToGrpcStatus(status, &call_.credentials);
    record_.End(status, out, call_);
    Finish(out);
  }

  const ServiceEnvironment& env_;
  WatchHub* const hub_;
  grpc::CallbackServerContext* const context_;
  v1::WaitTaskResponse* const response_;
  CallRecord record_;
  CallContext call_;       // set in Begin, then read-only
  bool acquired_ = false;  // set in Begin, then read-only

  absl::Mutex mu_;
  std::shared_ptr<WaitTaskCall> self_;  // alive until OnDone
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  TimerQueue::TimerId max_duration_timer_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

grpc::ServerWriteReactor<v1::WatchTaskResponse>* StartWatchTask(
    const ServiceEnvironment& env, WatchHub* hub,
    grpc::CallbackServerContext* context, const v1::WatchTaskRequest* request) {
  auto call = std::make_shared<WatchTaskCall>(env, hub, context);
  call->Begin(*request);
  return call.get();
}

grpc::ServerUnaryReactor* StartWaitTask(const ServiceEnvironment& env,
                                        WatchHub* hub,
                                        grpc::CallbackServerContext* context,
                                        const v1::WaitTaskRequest* request,
                                        v1::WaitTaskResponse* response) {
  auto call = std::make_shared<WaitTaskCall>(env, hub, context, response);
  call->Begin(*request);
  return call.get();
}

}  // namespace maesn::gateway
