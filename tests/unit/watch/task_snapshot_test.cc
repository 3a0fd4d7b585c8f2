#include "gateway/watch/task_snapshot.h"

#include <gtest/gtest.h>

#include "google/protobuf/text_format.h"

namespace maesn::gateway {
namespace {

v1::Task Parse(const char* text) {
  v1::Task task;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &task));
  return task;
}

constexpr char kBase[] = R"pb(
  task_id: "t1"
  status: TASK_STATUS_IN_PROGRESS
  raw_status: "IN_PROGRESS"
  information { message: "received" type: "information" }
  response_data {
    struct_value {
      fields {
        key: "a"
        value { number_value: 1 }
      }
      fields {
        key: "b"
        value { string_value: "x" }
      }
    }
  }
)pb";

TEST(SameTaskStateTest, EqualStatesAreTheSame) {
  EXPECT_TRUE(SameTaskState(Parse(kBase), Parse(kBase)));
}

TEST(SameTaskStateTest, EveryWatchedFieldIsAChange) {
  const v1::Task base = Parse(kBase);
  v1::Task t = base;
  t.set_status(v1::TASK_STATUS_SUCCESS);
  EXPECT_FALSE(SameTaskState(base, t));
  t = base;
  t.clear_status();
  EXPECT_FALSE(SameTaskState(base, t));
  t = base;
  t.set_raw_status("Task has been processed.");
  EXPECT_FALSE(SameTaskState(base, t));
  t = base;
  t.add_information()->set_message("more");
  EXPECT_FALSE(SameTaskState(base, t));
  t = base;
  t.mutable_information(0)->mutable_timestamp()->set_seconds(1);
  EXPECT_FALSE(SameTaskState(base, t));
  t = base;
  (*t.mutable_response_data()->mutable_struct_value()->mutable_fields())["a"]
      .set_number_value(2);
  EXPECT_FALSE(SameTaskState(base, t));
  t = base;
  t.clear_response_data();
  EXPECT_FALSE(SameTaskState(base, t));
  t = base;
  t.mutable_response_data()->set_null_value({});
  EXPECT_FALSE(SameTaskState(base, t));
}

TEST(SameTaskStateTest, DerivedFieldsAreNotAChange) {
  const v1::Task base = Parse(kBase);
  v1::Task t = base;
  t.set_done(true);  // follows from status
  t.set_task_id("other");
  EXPECT_TRUE(SameTaskState(base, t));
}

TEST(SameTaskStateTest, StructKeyOrderDoesNotMatter) {
  v1::Task a = Parse(R"pb(response_data {
                            struct_value {
                              fields {
                                key: "x"
                                value { bool_value: true }
                              }
                              fields {
                                key: "y"
                                value { bool_value: false }
                              }
                            }
                          })pb");
  v1::Task b = Parse(R"pb(response_data {
                            struct_value {
                              fields {
                                key: "y"
                                value { bool_value: false }
                              }
                              fields {
                                key: "x"
                                value { bool_value: true }
                              }
                            }
                          })pb");
  EXPECT_TRUE(SameTaskState(a, b));
}

}  // namespace
}  // namespace maesn::gateway
