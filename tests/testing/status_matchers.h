#ifndef MAESN_TESTS_TESTING_STATUS_MATCHERS_H_
#define MAESN_TESTS_TESTING_STATUS_MATCHERS_H_

#include <gmock/gmock.h>
#include <grpcpp/support/status.h>

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Abseil 20220623 (Debian 12) has no status matchers; these follow the shape
// of google-cloud-cpp's testing_util/status_matchers.h.

namespace maesn::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = ::maesn::testing::GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s;
  return s.ok();
}

MATCHER_P(StatusIs, code,
          "has code " + ::testing::PrintToString(absl::StatusCode(code))) {
  const absl::Status& s = ::maesn::testing::GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has code " + ::testing::PrintToString(absl::StatusCode(code))) {
  const absl::Status& s = ::maesn::testing::GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code &&
         ::testing::ExplainMatchResult(
             message_matcher, std::string(s.message()), result_listener);
}

// For grpc::Status.
MATCHER_P(GrpcStatusIs, code,
          "has gRPC code " + ::testing::PrintToString(code)) {
  *result_listener << "status is " << arg.error_code() << ": "
                   << arg.error_message();
  return arg.error_code() == code;
}

}  // namespace maesn::testing

#endif  // MAESN_TESTS_TESTING_STATUS_MATCHERS_H_
