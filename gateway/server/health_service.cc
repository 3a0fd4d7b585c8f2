#include "gateway/server/health_service.h"

#include <utility>
#include <vector>

namespace maesn::gateway {

using grpc::health::v1::HealthCheckResponse;

// One Watch stream: sends the current status, then every change. At most one
// write is in flight; a change during a write is sent after it (only the
// latest status counts). Lives until OnDone.
class HealthWatchReactor final
    : public grpc::ServerWriteReactor<HealthCheckResponse> {
 public:
  HealthWatchReactor(HealthState* state, std::string service)
      : state_(state), service_(std::move(service)) {
    // Registers and sends the current status under the state's lock, so
    // no change can overtake it.
    if (!state_->AddWatcher(this)) {
      registered_ = false;
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "the server is shutting down"));
    }
  }

  const std::string& service() const { return service_; }

  // A new status (called by HealthState, under its lock).
  void Notify(HealthState::Status status) {
    absl::MutexLock lock(&mu_);
    if (finishing_) return;
    pending_ = status;
    MaybeWriteLocked();
  }

  // Ends the stream once the last status is out (HealthState::EndWatches).
  void End() {
    absl::MutexLock lock(&mu_);
    if (finishing_) return;
    end_requested_ = true;
    MaybeWriteLocked();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
      return;
    }
    MaybeWriteLocked();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    FinishLocked(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    if (registered_) state_->RemoveWatcher(this);
    delete this;
  }

 private:
  void MaybeWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || finishing_) return;
    if (has_pending_()) {
      response_.set_status(pending_);
      sent_ = pending_;
      writing_ = true;
      StartWrite(&response_);
      return;
    }
    if (end_requested_) {
      FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                "the server is shutting down"));
    }
  }
  bool has_pending_() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !sent_any_() || pending_ != sent_;
  }
  bool sent_any_() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return sent_ != kNone;
  }
  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finishing_) return;
    finishing_ = true;
    Finish(status);
  }

  static constexpr HealthState::Status kNone =
      static_cast<HealthState::Status>(-1);

  HealthState* const state_;
  const std::string service_;
  bool registered_ = true;
  absl::Mutex mu_;
  HealthCheckResponse response_ ABSL_GUARDED_BY(mu_);
  HealthState::Status pending_ ABSL_GUARDED_BY(mu_) = kNone;
  HealthState::Status sent_ ABSL_GUARDED_BY(mu_) = kNone;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool end_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
};

void HealthState::Set(const std::string& service, bool serving) {
  absl::MutexLock lock(&mu_);
  if (shut_down_) return;
  const Status s =
      serving ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
  status_[service] = s;
  for (HealthWatchReactor* w : watchers_) {
    if (w->service() == service) w->Notify(s);
  }
}

void HealthState::Shutdown() {
  absl::MutexLock lock(&mu_);
  shut_down_ = true;
  for (auto& [name, s] : status_) s = HealthCheckResponse::NOT_SERVING;
  for (HealthWatchReactor* w : watchers_) {
    w->Notify(status_.count(w->service()) != 0
                  ? HealthCheckResponse::NOT_SERVING
                  : HealthCheckResponse::SERVICE_UNKNOWN);
  }
}

void HealthState::EndWatches() {
  absl::MutexLock lock(&mu_);
  watches_ended_ = true;
  for (HealthWatchReactor* w : watchers_) w->End();
}

HealthState::Status HealthState::Get(const std::string& service) const {
  absl::MutexLock lock(&mu_);
  auto it = status_.find(service);
  return it == status_.end() ? HealthCheckResponse::SERVICE_UNKNOWN
                             : it->second;
}

bool HealthState::AddWatcher(HealthWatchReactor* watcher) {
  absl::MutexLock lock(&mu_);
  if (watches_ended_) return false;
  watchers_.insert(watcher);
  auto it = status_.find(watcher->service());
  watcher->Notify(it == status_.end() ? HealthCheckResponse::SERVICE_UNKNOWN
                                      : it->second);
  return true;
}

void HealthState::RemoveWatcher(HealthWatchReactor* watcher) {
  absl::MutexLock lock(&mu_);
  watchers_.erase(watcher);
}

grpc::ServerUnaryReactor* HealthService::Check(
    grpc::CallbackServerContext* context,
    const grpc::health::v1::HealthCheckRequest* request,
    HealthCheckResponse* response) {
  auto* reactor = context->DefaultReactor();
  const auto status = state_->Get(request->service());
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::NOT_FOUND,
                     "unknown service: " + request->service().substr(0, 200)));
    return reactor;
  }
  response->set_status(status);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerWriteReactor<HealthCheckResponse>* HealthService::Watch(
    grpc::CallbackServerContext* /*context*/,
    const grpc::health::v1::HealthCheckRequest* request) {
  return new HealthWatchReactor(state_, request->service());
}

}  // namespace maesn::gateway
