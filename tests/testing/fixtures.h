#ifndef MAESN_TESTS_TESTING_FIXTURES_H_
#define MAESN_TESTS_TESTING_FIXTURES_H_

#include <functional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"

namespace maesn::testing {

// Absolute path of tests/testdata/<relative>.
std::string TestdataPath(absl::string_view relative);

// Contents of tests/testdata/<relative>; fails the test (ADD_FAILURE) and
// returns "" if it cannot be read.
std::string ReadTestdata(absl::string_view relative);

// Parses tests/testdata/<relative> as text format into `message`; false
// (with a test failure) on error.
bool ReadTextProto(absl::string_view relative,
                   google::protobuf::Message& message);

// A fresh empty directory under the test temp dir.
std::string MakeTempDir();

// Polls `condition` every 5 ms until it holds (true) or `timeout` passes
// (false). For what a real peer does on its own time (a socket closing,
// requests arriving); never to wait for an answer a test can wait on.
bool Eventually(const std::function<bool()>& condition,
                absl::Duration timeout = absl::Seconds(10));

}  // namespace maesn::testing

#endif  // MAESN_TESTS_TESTING_FIXTURES_H_
