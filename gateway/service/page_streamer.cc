#include "gateway/service/page_streamer.h"

#include <utility>

#include "absl/time/clock.h"
#include "gateway/service/grpc_status.h"

namespace maesn::gateway {

PageStreamCore::PageStreamCore(const ServiceEnvironment& env,
                               absl::string_view method)
    : env_(env), lifecycle_(env, method, /*server_stream=*/true) {}

PageStreamCore::~PageStreamCore() = default;

void PageStreamCore::Begin(grpc::CallbackServerContext* server_context,
                           absl::Status validation, PageFetcher fetch) {
  server_context_ = server_context;
  CallContext call;
  absl::Status setup = lifecycle_.Begin(server_context, call);
  if (setup.ok()) setup = std::move(validation);
  Run(std::move(call), std::move(setup), std::move(fetch));
}

void PageStreamCore::Run(CallContext call, absl::Status setup,
                         PageFetcher fetch) {
  call_ = std::move(call);
  // A fetch may outlive the call (after a cancellation) and must then not
  // touch the server context: cancellation is our own.
  call_.is_cancelled = nullptr;
  call_.cancel = cancel_;
  credentials_ = call_.credentials;
  fetch_ = std::move(fetch);
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    if (!setup.ok()) {
      finish_called_ = true;
      actions.finish = std::move(setup);
    } else {
      actions = NextLocked();
    }
  }
  Execute(std::move(actions));
}

PageStreamCore::Actions PageStreamCore::NextLocked() {
  Actions a;
  if (finish_called_) return a;
  if (stopped_) {
    // Cancelled: nothing more is fetched or written; finish once no write
    // is in flight (a fetch in flight is abandoned, see Fetch()).
    if (!in_flight_.has_value()) {
      finish_called_ = true;
      a.finish = absl::CancelledError("the client cancelled the stream");
    }
    return a;
  }
  if (in_flight_.has_value()) return a;  // one write at a time
  if (current_.empty() && ahead_.has_value()) {
    for (auto& m : ahead_->messages) current_.push_back(std::move(m));
    ahead_.reset();
  }
  // Fetch the next page while this one is being written, but never hold
  // more than one page ahead.
  if (more_ && error_.ok() && !fetching_ && !ahead_.has_value()) {
    fetching_ = true;
    a.fetch = true;
  }
  if (!current_.empty()) {
    in_flight_ = std::move(current_.front());
    current_.pop_front();
    a.write = &*in_flight_;
    return a;
  }
  if (!fetching_ && !ahead_.has_value() && (!more_ || !error_.ok())) {
    finish_called_ = true;
    a.finish = error_;
  }
  return a;
}

void PageStreamCore::Execute(Actions actions) {
  if (actions.fetch && env_.upstream_limit != nullptr &&
      !env_.upstream_limit->TryAcquire()) {
    absl::MutexLock lock(&mu_);
    fetching_ = false;
    more_ = false;
    error_ = OverloadedError();
    actions.fetch = false;
    // With a write starting, the error is reported once it and the rest of
    // the page are written; otherwise now.
    if (actions.write == nullptr) actions.finish = NextLocked().finish;
  }
  if (actions.write != nullptr) StartWriteMessage(*actions.write);
  if (actions.finish.has_value()) End(*actions.finish);
  // Last: once the fetch is started, its end may finish the stream and
  // delete this on another thread (see OnFetched).
  if (actions.fetch) Fetch();
}

void PageStreamCore::Fetch() {
  // A copy: the streamer may be gone before the fetcher returns.
  PageFetcher fetch = fetch_;
  InFlightLimit* limit = env_.upstream_limit;
  fetch(call_, [this, limit](absl::StatusOr<StreamPage> page) {
    if (limit != nullptr) limit->Release();
    OnFetched(std::move(page));
  });
}

void PageStreamCore::OnFetched(absl::StatusOr<StreamPage> page) {
  Actions actions;
  bool orphaned = false;
  {
    absl::MutexLock lock(&mu_);
    fetching_ = false;
    stats_ = call_.stats;
    if (done_) {
      orphaned = true;  // the call ended while this fetch ran
    } else {
      if (!page.ok()) {
        error_ = page.status();
        more_ = false;
      } else {
        more_ = !page->last;
        ahead_ = *std::move(page);
      }
      actions = NextLocked();
    }
  }
  if (orphaned) {
    delete this;  // nothing else refers to the reactor any more
    return;
  }
  Execute(std::move(actions));
}

void PageStreamCore::End(const absl::Status& status) {
  // A fetch may still run on call_: the end is recorded from a copy.
  CallContext ended;
  ended.credentials = credentials_;
  ended.request_id = call_.request_id;
  ended.traceparent = call_.traceparent;
  {
    absl::MutexLock lock(&mu_);
    ended.stats = stats_;
  }
  FinishStream(lifecycle_.End(server_context_, status, ended));
}

void PageStreamCore::HandleWriteDone(bool ok) {
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    in_flight_.reset();
    if (!ok) stopped_ = true;  // the stream is broken (cancelled or closed)
    actions = NextLocked();
  }
  if (!ok) cancel_->Cancel();
  Execute(std::move(actions));
}

void PageStreamCore::HandleCancel() {
  cancel_->Cancel();
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
    actions = NextLocked();
  }
  Execute(std::move(actions));
}

void PageStreamCore::HandleDone() {
  bool last_reference;
  {
    absl::MutexLock lock(&mu_);
    done_ = true;
    last_reference = !fetching_;
  }
  if (last_reference) delete this;
}

}  // namespace maesn::gateway
