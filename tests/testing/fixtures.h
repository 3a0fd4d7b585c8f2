#ifndef MAESN_TESTS_TESTING_FIXTURES_H_
#define MAESN_TESTS_TESTING_FIXTURES_H_

#include <string>

#include "absl/strings/string_view.h"
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

}  // namespace maesn::testing

#endif  // MAESN_TESTS_TESTING_FIXTURES_H_
