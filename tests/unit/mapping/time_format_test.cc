#include "gateway/mapping/time_format.h"

#include <gtest/gtest.h>

namespace maesn::gateway::mapping {
namespace {

struct Case {
  const char* text;
  int64_t unix_nanos;  // -1: unreadable
};

class ParseMaesnTimeTest : public ::testing::TestWithParam<Case> {};

TEST_P(ParseMaesnTimeTest, Reads) {
  auto t = ParseMaesnTime(GetParam().text);
  if (GetParam().unix_nanos < 0) {
    EXPECT_FALSE(t.has_value()) << GetParam().text;
  } else {
    ASSERT_TRUE(t.has_value()) << GetParam().text;
    EXPECT_EQ(absl::ToUnixNanos(*t), GetParam().unix_nanos) << GetParam().text;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, ParseMaesnTimeTest,
    ::testing::Values(Case{"2021-01-01T00:00:00Z", 1609459200'000000000},
                      Case{"2021-01-01T00:00:00.250Z", 1609459200'250000000},
                      Case{"2021-01-01T01:00:00+01:00", 1609459200'000000000},
                      Case{"2020-12-31T19:00:00-05:00", 1609459200'000000000},
                      Case{"2021-01-01T00:00:00", 1609459200'000000000},
                      Case{"2021-01-01 00:00:00", 1609459200'000000000},
                      Case{"2021-01-01", 1609459200'000000000},
                      Case{"2021-01-01T00:00:00.123456789Z",
                           1609459200'123456789},
                      Case{"", -1}, Case{"yesterday", -1},
                      Case{"2021-13-01", -1}, Case{"2021-01-01T25:00:00Z", -1},
                      Case{"01/02/2021", -1}));

TEST(FormatMaesnTimeTest, Rfc3339Utc) {
  EXPECT_EQ(FormatMaesnTime(absl::FromUnixSeconds(1609459200)),
            "2021-01-01T00:00:00Z");
  EXPECT_EQ(FormatMaesnTime(absl::FromUnixMillis(1609459200250)),
            "2021-01-01T00:00:00.25Z");
}

}  // namespace
}  // namespace maesn::gateway::mapping
