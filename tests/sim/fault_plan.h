// HTTP-level fault plans of the Maesn simulator: named faults (rate limits,
// 5xx, HTML pages, cut-off JSON, redirects, late answers) for the next
// requests or for a seeded share of all requests, settable at run time in
// process (MaesnSimulator::SetFaultPlan) and from outside the process
// (POST /_sim/faults), e.g. by the soak run. faults.h has the other kind:
// fixed rules for chosen paths, given at start (maesn-sim --faults).
//
// JSON form of a plan (every member optional):
//   {"next":  [FAULT, ...],  // answers the next requests, in order, once each
//    "rate":  0.05,          // then: this share of requests gets a fault...
//    "pool":  [FAULT, ...],  // ...picked uniformly from this list
//    "seed":  1,             // for the random choices (default 1)
//    "pathPrefix": "/accounting/"}   // only requests under this path
// FAULT is a named fault, {"kind": NAME, ...options}, or a literal answer
// {"status": 503, "body": "...", "contentType": "...", "headers": {...}}; any
// fault may add "delayMs" (the simulator waits that long before answering,
// without holding its lock). Names:
//   rate_limited       429 + Retry-After (option "retryAfter", default "1")
//   unavailable        503 (+ Retry-After when "retryAfter" is given)
//   bad_gateway        502         gateway_timeout  504
//   internal           500         not_found        404
//   not_supported      404 "... not supported by the target system"
//   target_not_found   405
//   validation         400 with validationErrors (option "errors":
//                      {"lineItems[0].quantity": "must be positive"})
//   html               502 with an HTML error page (text/html)
//   garbage            200 whose JSON body is cut off
//   wrong_content_type 200 text/plain
//   redirect           302 to option "location" (default another host)
//   slow               the normal answer after "delayMs"
#ifndef MAESN_TESTS_SIM_FAULT_PLAN_H_
#define MAESN_TESTS_SIM_FAULT_PLAN_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "router.h"

namespace maesn::sim {

struct HttpFault {
  std::string kind;  // The name, or "status_<N>" for literal answers.
  // The answer; nullopt = the route's normal answer (after the delay).
  std::optional<ApiResponse> response;
  std::chrono::milliseconds delay{0};
};

// A fault by name (see the file comment); `options` is the fault's JSON
// object (may be null).
absl::StatusOr<HttpFault> NamedFault(absl::string_view name,
                                     const Json& options = nullptr);

// Decides which requests get a fault. Not thread-safe: the simulator calls
// it under its lock.
class FaultPlan {
 public:
  FaultPlan() = default;
  static absl::StatusOr<FaultPlan> FromJson(const Json& json);

  // The fault for `request`, if it gets one.
  std::optional<HttpFault> Next(const ApiRequest& request);
  bool empty() const { return next_.empty() && (rate_ <= 0 || pool_.empty()); }
  // {"injected": {kind: count, ...}, "pending": N}
  Json Stats() const;

 private:
  std::deque<HttpFault> next_;
  double rate_ = 0;
  std::vector<HttpFault> pool_;
  std::string path_prefix_;
  std::mt19937_64 rng_{1};
  std::map<std::string, std::int64_t> injected_;
};

}  // namespace maesn::sim

#endif  // MAESN_TESTS_SIM_FAULT_PLAN_H_
