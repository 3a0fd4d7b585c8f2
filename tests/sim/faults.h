// Scripted fault injection for the standalone simulator (`maesn-sim
// --faults`), so that tests in other languages can meet Maesn's errors
// (429 with Retry-After, 5xx, ...) without linking the simulator.
//
// A rule answers matching Maesn requests with an error response instead of
// routing them. Rules are given as a JSON array:
//
//   [{"method": "GET", "path": "/accounting/invoices/RATE-LIMITED",
//     "account": "sim-account-key", "status": 429,
//     "headers": {"Retry-After": "120"}, "message": "Too many requests",
//     "times": 0}]
//
// method, path (the decoded path, matched exactly) and account (the
// X-ACCOUNT-KEY) are optional filters; a missing one matches anything.
// status (400..599) is required. times is how many matching requests get the
// fault (0, the default, = every one); the first matching rule with faults
// left wins.
#ifndef MAESN_TESTS_SIM_FAULTS_H_
#define MAESN_TESTS_SIM_FAULTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "router.h"
#include "simulator.h"

namespace maesn::sim {

struct FaultRule {
  std::string method;       // Empty = any method.
  std::string path;         // Decoded path; empty = any path.
  std::string account_key;  // Empty = any X-ACCOUNT-KEY.
  int status = 0;
  std::string message;  // Text of the NestJS-like error body.
  StringPairs headers;  // Extra response headers, e.g. Retry-After.
  int times = 0;        // Faulted requests; 0 = unlimited.
};

// Parses the JSON array described above. INVALID_ARGUMENT names the first
// offending rule and field.
absl::StatusOr<std::vector<FaultRule>> ParseFaultRules(absl::string_view json);

// A request hook applying `rules` (for MaesnSimulator::SetRequestHook). The
// hook is thread-safe and counts `times` across all calls and copies.
MaesnSimulator::RequestHook MakeFaultHook(std::vector<FaultRule> rules);

}  // namespace maesn::sim

#endif  // MAESN_TESTS_SIM_FAULTS_H_
