#ifndef MAESN_GATEWAY_MAESN_HTTP_TRANSPORT_H_
#define MAESN_GATEWAY_MAESN_HTTP_TRANSPORT_H_

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/common/call_context.h"

namespace maesn::gateway {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// One HTTP request to Maesn. `target` is the already percent-encoded path
// and query (see path_builder.h); the transport sends it byte for byte.
struct HttpRequest {
  std::string method;  // "GET", "POST", "PUT", "PATCH", "DELETE"
  std::string target;  // e.g. "/v1/records/ABC123?companyId=1"
  HttpHeaders headers;
  std::string body;  // JSON, empty for GET/DELETE
};

// An HTTP response. Any status (including 4xx/5xx) is a *successful*
// transport call; the caller maps the status (http_status.h).
struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;

  // Case-insensitive header lookup; empty if absent.
  std::string Header(absl::string_view name) const;
};

// The error contract shared by both transport interfaces below. A transport
// call fails only when no complete response arrived:
//   UNAVAILABLE          connection, proxy or TLS failure, or the connection
//                        broke before the whole response arrived (ErrorInfo
//                        reason UPSTREAM_UNAVAILABLE, UPSTREAM_TLS_FAILED or
//                        UPSTREAM_TLS_VERIFICATION_FAILED);
//   DEADLINE_EXCEEDED    the caller's deadline passed (no reason), or the
//                        attempt budget (connect + read timeout) did
//                        (reason UPSTREAM_TIMEOUT);
//   CANCELLED            the caller went away (or the transport shut down);
//   RESOURCE_EXHAUSTED   the response exceeded the size cap (reason
//                        UPSTREAM_RESPONSE_TOO_LARGE), never buffered whole;
//   FAILED_PRECONDITION  the configured CA bundle is unusable (reason
//                        UPSTREAM_CA_UNREADABLE);
//   INTERNAL             the response could not be decoded (reason
//                        INVALID_UPSTREAM_RESPONSE).
// Errors carry ErrorInfo metadata `request_sent` = "true"/"false" when it is
// known whether the request may have reached Maesn, so that writes can
// report an unknown outcome. Redirects are never followed: a 3xx comes back
// as a response. Certificates are always verified; plain HTTP is never used.

// Sends requests to the configured Maesn base URL over HTTPS, blocking.
//
// Send() blocks the calling thread until the attempt ends (the error
// contract above). It counts the attempt in context.stats (attempts, and the
// HTTP status in upstream_status), honours context.deadline and aborts the
// request soon after context.Cancelled() turns true. Implementations are
// thread-safe.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Ends the requests in flight (their callbacks, if any, run before it
  // returns) and refuses new ones. For shutdown, after the callers are gone;
  // never from a transport callback. Idempotent. A blocking transport has
  // nothing to end.
  virtual void Shutdown() {}
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request,
                                            CallContext& context) = 0;
};

// A handle on one operation started on a transport's event loop (a
// transfer or a timer). Holding it does not keep the operation alive nor
// running; dropping it does not cancel.
class AsyncOperation {
 public:
  virtual ~AsyncOperation() = default;
  // Ends the operation at once if it has not completed yet: its callback
  // then runs with CANCELLED (a transfer's connection is closed, or its
  // HTTP/2 stream reset). Does nothing once the callback has run or is
  // running. Thread-safe, never blocks, never runs the callback inline; may
  // be called from any callback, also after the transport is gone.
  virtual void Cancel() = 0;
};

// Sends requests to Maesn without blocking: a request in flight costs
// memory, not a thread.
//
// Start() begins one attempt and returns at once. `done` runs exactly once,
// never inline in Start() but on one of the transport's event-loop threads,
// with the response or an error status (the error contract above). The
// attempt ends by `deadline` (the caller's; InfiniteFuture for none) or by
// the transport's own attempt budget, whichever comes first.
//
// Callbacks run on the event loop: they must be quick and must not block
// (hand heavy work, such as mapping a large body, to another executor).
// They may call Start(), RunAfter() and Cancel(), but must not destroy the
// transport. Destroying the transport cancels whatever is still running
// (callbacks then run with CANCELLED, on the loop, before the destructor
// returns); Start() and RunAfter() must not be called during or after
// destruction. Implementations are thread-safe.
class AsyncHttpTransport {
 public:
  using Done = absl::AnyInvocable<void(absl::StatusOr<HttpResponse>) &&>;

  virtual ~AsyncHttpTransport() = default;
  virtual std::shared_ptr<AsyncOperation> Start(HttpRequest request,
                                                absl::Time deadline,
                                                Done done) = 0;
};

// Lets a cancellation that may come before the operation exists reach it:
// Cancel() cancels the attached operation, or the one attached later, at
// once. Thread-safe.
class CancelLatch {
 public:
  void Cancel();
  void Attach(std::shared_ptr<AsyncOperation> operation);

 private:
  absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<AsyncOperation> operation_ ABSL_GUARDED_BY(mu_);
};

// Timers on an event loop, so that waiting (e.g. before retrying a read)
// never holds a thread.
//
// RunAfter() returns at once; `callback` runs exactly once on an event-loop
// thread, never inline: with OK once `delay` has passed (a non-positive
// delay means "on the next loop turn"), or with CANCELLED if the handle is
// cancelled first or the owner shuts down. The same rules as for
// AsyncHttpTransport callbacks apply. Thread-safe.
class AsyncTimers {
 public:
  using Callback = absl::AnyInvocable<void(absl::Status) &&>;

  virtual ~AsyncTimers() = default;
  virtual std::shared_ptr<AsyncOperation> RunAfter(absl::Duration delay,
                                                   Callback callback) = 0;
};

// OK when `context` still wants its request sent; else the error an attempt
// ends with before anything leaves (DEADLINE_EXCEEDED when the deadline has
// passed, CANCELLED when the caller went away), with ErrorInfo metadata
// request_sent "false". Every transport path checks this before sending.
absl::Status CheckBeforeSending(const CallContext& context);

// The bridge from the blocking interface to the non-blocking one: starts
// `request` on `transport` and waits for it, honouring the HttpTransport::
// Send() contract (context.stats, deadline, cancellation). While waiting it
// checks context.Cancelled() every `cancel_poll` and cancels the transfer
// when it turns true.
absl::StatusOr<HttpResponse> SendAndWait(AsyncHttpTransport& transport,
                                         const HttpRequest& request,
                                         CallContext& context,
                                         absl::Duration cancel_poll);

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_MAESN_HTTP_TRANSPORT_H_
