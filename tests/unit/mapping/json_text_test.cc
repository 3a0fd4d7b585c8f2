#include "gateway/mapping/json_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace maesn::gateway::mapping {
namespace {

using ::testing::Optional;

TEST(FindJsonValueTextTest, KeepsEveryDigitOfNumbersBeyondADouble) {
  const std::string body =
      R"({"data": {"id": "1"}, "rawData": {"Id": 9007199254740993,)"
      R"( "Amount": 1234567890123456.789, "Big": 123456789012345678901234567890}})";
  EXPECT_THAT(FindJsonValueText(body, {"rawData"}),
              Optional(std::string(
                  R"({"Id": 9007199254740993, "Amount": 1234567890123456.789,)"
                  R"( "Big": 123456789012345678901234567890})")));
}

TEST(FindJsonValueTextTest, FollowsAPathAndOneRecordArrays) {
  const std::string body =
      R"({"meta": {}, "data": [{"status": "SUCCESS", "responseData":)"
      R"( [1, {"x": "]}\"{"}, 2.50]}]})";
  EXPECT_THAT(FindJsonValueText(body, {"data", "responseData"}),
              Optional(std::string(R"([1, {"x": "]}\"{"}, 2.50])")));
  EXPECT_THAT(FindJsonValueText(body, {"data", "status"}),
              Optional(std::string(R"("SUCCESS")")));
}

TEST(FindJsonValueTextTest, AbsentOrNullIsNullopt) {
  EXPECT_EQ(FindJsonValueText(R"({"data": {}})", {"rawData"}), std::nullopt);
  EXPECT_EQ(FindJsonValueText(R"({"rawData": null})", {"rawData"}),
            std::nullopt);
  EXPECT_EQ(FindJsonValueText(R"({"data": []})", {"data", "responseData"}),
            std::nullopt);
  EXPECT_EQ(FindJsonValueText(R"({"data": "text"})", {"data", "x"}),
            std::nullopt);
}

TEST(FindJsonValueTextTest, TheLastOfADuplicatedKeyCountsAsForTheReaders) {
  EXPECT_THAT(FindJsonValueText(R"({"rawData": 1, "rawData": 2})", {"rawData"}),
              Optional(std::string("2")));
}

TEST(FindJsonValueTextTest, KeysWithEscapesAreDecoded) {
  EXPECT_THAT(FindJsonValueText(R"({"raw\u0044ata": true})", {"rawData"}),
              Optional(std::string("true")));
  EXPECT_THAT(
      FindJsonValueText(R"({"a\"b": 1, "rawData": -0.5e3})", {"rawData"}),
      Optional(std::string("-0.5e3")));
}

TEST(FindJsonValueTextTest, TextThatIsNotJsonIsNullopt) {
  for (const char* body : {"", "[", "{", R"({"rawData")", R"({"rawData": )",
                           R"({"rawData": {"a": 1})", R"({"rawData": "open)",
                           "not json", R"({"x" 1, "rawData": 2})"}) {
    EXPECT_EQ(FindJsonValueText(body, {"rawData"}), std::nullopt) << body;
  }
}

}  // namespace
}  // namespace maesn::gateway::mapping
