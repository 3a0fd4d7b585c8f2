#ifndef MAESN_TESTS_TESTING_PROTO_MATCHERS_H_
#define MAESN_TESTS_TESTING_PROTO_MATCHERS_H_

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>

#include <string>

namespace maesn::testing {

// Proto equality (MessageDifferencer), printing the difference on failure.
MATCHER_P(EqualsProto, expected, "equals " + expected.ShortDebugString()) {
  std::string diff;
  google::protobuf::util::MessageDifferencer d;
  d.ReportDifferencesToString(&diff);
  if (d.Compare(expected, arg)) return true;
  *result_listener << "\ndifferences:\n" << diff;
  return false;
}

}  // namespace maesn::testing

#endif  // MAESN_TESTS_TESTING_PROTO_MATCHERS_H_
