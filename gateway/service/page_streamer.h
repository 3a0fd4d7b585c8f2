#ifndef MAESN_GATEWAY_SERVICE_PAGE_STREAMER_H_
#define MAESN_GATEWAY_SERVICE_PAGE_STREAMER_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "gateway/common/call_context.h"
#include "gateway/observability/rpc_observer.h"
#include "gateway/service/call_lifecycle.h"
#include "google/protobuf/message.h"

namespace maesn::gateway {

// One upstream page, ready to be streamed: one serialized stream message per
// record, in order, and whether it was the last page. Pages wait in their
// wire form, several times smaller than the parsed messages.
struct StreamPage {
  std::vector<std::string> messages;
  bool last = true;
};

// Fetches the next page of a list without blocking: starts the fetch and
// returns; `done` runs exactly once with the page or the error, on any
// thread (inline too). The streamer calls it once at a time and in order,
// so it may keep its own position (e.g. the page token) without locking.
// The CallContext stays valid until `done` has run; its `cancel` aborts the
// fetch when the client goes away.
using PageDone = absl::AnyInvocable<void(absl::StatusOr<StreamPage>) &&>;
using PageFetcher = std::function<void(CallContext&, PageDone)>;

// The type-independent state machine of PageStreamer (below). A subclass
// supplies the two gRPC operations and calls the Handle* methods from the
// matching reactions; it deletes itself once the call is done and no fetch
// is running. Thread-safe.
class PageStreamCore {
 public:
  PageStreamCore(const PageStreamCore&) = delete;
  PageStreamCore& operator=(const PageStreamCore&) = delete;

 protected:
  PageStreamCore(const ServiceEnvironment& env, absl::string_view method);
  virtual ~PageStreamCore();

  // Builds the CallContext and starts the first fetch, or finishes at once
  // with `validation` (or a credentials error) when that is not OK.
  void Begin(grpc::CallbackServerContext* server_context,
             absl::Status validation, PageFetcher fetch);
  // Begin() without a server context: `call` is ready, `setup` not OK
  // finishes at once. For tests of the state machine.
  void Run(CallContext call, absl::Status setup, PageFetcher fetch);
  void HandleWriteDone(bool ok);
  void HandleCancel();
  void HandleDone();

  // Implemented by the typed reactor: write the message serialized in
  // `bytes` (valid until the matching HandleWriteDone).
  virtual void StartWriteMessage(const std::string& bytes) = 0;
  virtual void FinishStream(const grpc::Status& status) = 0;

 private:
  struct Actions {
    const std::string* write = nullptr;
    bool fetch = false;
    std::optional<absl::Status> finish;
  };

  Actions NextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Execute(Actions actions);
  void Fetch();
  void OnFetched(absl::StatusOr<StreamPage> page);
  void End(const absl::Status& status);

  const ServiceEnvironment& env_;
  grpc::CallbackServerContext* server_context_ = nullptr;  // null in tests
  PageFetcher fetch_;
  // Used by the one running fetch (and read for redaction when finishing).
  CallContext call_;
  Credentials credentials_;  // copy for ToGrpcStatus, never changes
  // Cancels the fetch in flight when the client goes away.
  std::shared_ptr<CancelSource> cancel_ = std::make_shared<CancelSource>();
  CallLifecycle lifecycle_;

  absl::Mutex mu_;
  // The page being written (front = next) and the message in flight.
  std::deque<std::string> current_ ABSL_GUARDED_BY(mu_);
  std::optional<std::string> in_flight_ ABSL_GUARDED_BY(mu_);
  // At most one page fetched ahead of the one being written.
  std::optional<StreamPage> ahead_ ABSL_GUARDED_BY(mu_);
  bool fetching_ ABSL_GUARDED_BY(mu_) = false;
  bool more_ ABSL_GUARDED_BY(mu_) = true;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;  // cancelled or write failed
  absl::Status error_ ABSL_GUARDED_BY(mu_);    // from a fetch
  bool finish_called_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  CallStats stats_ ABSL_GUARDED_BY(mu_);  // as of the last finished fetch
};

// A server-streaming reactor that sends every record of a paged Maesn list
// as one stream: it fetches page after page without blocking, fetching the
// next page while the client reads the current one, with one write in
// flight at a time (so gRPC flow control paces it) and never more than one
// page held ahead of the page being written, however slow the reader. On
// cancellation or deadline it stops at once: no further page is fetched and
// the request in flight is aborted. Each fetch holds a slot of the
// environment's upstream limit; a refused one ends the stream with
// RESOURCE_EXHAUSTED after what was fetched. A fetch error ends the stream with
// that error after the records already fetched have been written. Never
// blocks a gRPC thread; holds no thread while waiting. Deletes itself.
// Messages are written in their wire form, as the fetcher made them.
class PageStreamer final : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                           private PageStreamCore {
 public:
  // Starts the stream for `method` (full gRPC name, for the observer).
  // `validation` is the request's check: not OK finishes at once with it,
  // before any upstream request. `fetch` makes the serialized messages.
  static grpc::ServerWriteReactor<grpc::ByteBuffer>* Start(
      const ServiceEnvironment& env,
      grpc::CallbackServerContext* server_context, absl::string_view method,
      absl::Status validation, PageFetcher fetch) {
    auto* streamer = new PageStreamer(env, method);
    streamer->Begin(server_context, std::move(validation), std::move(fetch));
    return streamer;
  }

  void OnWriteDone(bool ok) override { HandleWriteDone(ok); }
  void OnCancel() override { HandleCancel(); }
  void OnDone() override { HandleDone(); }

 private:
  PageStreamer(const ServiceEnvironment& env, absl::string_view method)
      : PageStreamCore(env, method) {}

  void StartWriteMessage(const std::string& bytes) override {
    // Only one write is in flight, so one buffer serves them all.
    grpc::Slice slice(bytes);
    message_ = grpc::ByteBuffer(&slice, 1);
    this->StartWrite(&message_);
  }
  void FinishStream(const grpc::Status& status) override {
    this->Finish(status);
  }

  grpc::ByteBuffer message_;  // the message being written
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVICE_PAGE_STREAMER_H_
