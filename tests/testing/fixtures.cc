#include "tests/testing/fixtures.h"

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace maesn::testing {

std::string TestdataPath(absl::string_view relative) {
  return absl::StrCat(MAESN_TESTDATA_DIR, "/", relative);
}

std::string ReadTestdata(absl::string_view relative) {
  std::ifstream in(TestdataPath(relative), std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read testdata " << relative;
    return {};
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool ReadTextProto(absl::string_view relative,
                   google::protobuf::Message& message) {
  const std::string text = ReadTestdata(relative);
  if (!google::protobuf::TextFormat::ParseFromString(text, &message)) {
    ADD_FAILURE() << "cannot parse text proto " << relative;
    return false;
  }
  return true;
}

bool Eventually(const std::function<bool()>& condition,
                absl::Duration timeout) {
  const absl::Time end = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > end) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

std::string MakeTempDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string tmpl =
      absl::StrCat(base != nullptr ? base : "/tmp", "/maesn-test-XXXXXX");
  char* dir = mkdtemp(tmpl.data());
  if (dir == nullptr) ADD_FAILURE() << "mkdtemp failed";
  return tmpl;
}

}  // namespace maesn::testing
