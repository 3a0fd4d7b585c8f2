#include "gateway/watch/task_snapshot.h"

#include "google/protobuf/util/message_differencer.h"

namespace maesn::gateway {

bool SameTaskState(const v1::Task& a, const v1::Task& b) {
  using google::protobuf::util::MessageDifferencer;
  if (a.has_status() != b.has_status() || a.status() != b.status()) {
    return false;
  }
  if (a.has_raw_status() != b.has_raw_status() ||
      a.raw_status() != b.raw_status()) {
    return false;
  }
  if (a.information_size() != b.information_size()) return false;
  for (int i = 0; i < a.information_size(); ++i) {
    if (!MessageDifferencer::Equals(a.information(i), b.information(i))) {
      return false;
    }
  }
  if (a.has_response_data() != b.has_response_data()) return false;
  return !a.has_response_data() ||
         MessageDifferencer::Equals(a.response_data(), b.response_data());
}

}  // namespace maesn::gateway
