#include "gateway/mapping/time_format.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

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

// What ParseMaesnTime promises, spelled with absl::ParseTime only: the
// reference for the shortcut it takes for the common layouts.
std::optional<absl::Time> Reference(absl::string_view text) {
  std::string s(absl::StripAsciiWhitespace(text));
  if (s.size() < 10 || s.size() > 64) return std::nullopt;
  if (s.size() > 10 && (s[10] == ' ' || s[10] == 't')) s[10] = 'T';
  if (s.back() == 'z') s.back() = 'Z';
  for (const char* layout :
       {"%Y-%m-%dT%H:%M:%E*S%Ez", "%Y-%m-%dT%H:%M:%E*S", "%Y-%m-%dT%H:%M%Ez",
        "%Y-%m-%dT%H:%M", "%Y-%m-%d"}) {
    absl::Time t;
    std::string err;
    if (absl::ParseTime(layout, s, absl::UTCTimeZone(), &t, &err)) return t;
  }
  return std::nullopt;
}

TEST(ParseMaesnTimeTest, AgreesWithAbslParseTime) {
  std::vector<std::string> texts = {"2024-02-29",
                                    "2023-02-29",
                                    "2100-02-29",
                                    "2000-02-29",
                                    "1970-01-01",
                                    "0001-01-01T00:00:00Z",
                                    "9999-12-31T23:59:59.999999999Z",
                                    "1969-12-31T23:59:59.5Z",
                                    "2021-04-31",
                                    "2021-00-10",
                                    "2021-01-00",
                                    "2021-01-01T23:59:60Z",
                                    "2021-01-01T24:00:00Z",
                                    "2021-01-01T00:60:00Z",
                                    "2021-01-01T00:00:00.Z",
                                    "2021-01-01T00:00:00.1234567891Z",
                                    "2021-01-01T00:00:00+23:59",
                                    "2021-01-01T00:00:00-23:59",
                                    "2021-01-01T00:00:00+24:00",
                                    "2021-01-01T00:00:00+01:60",
                                    "2021-01-01T00:00:00+0100",
                                    "2021-01-01T00:00:00+01",
                                    "2021-01-01T00:00:00+01:00:30",
                                    "2021-01-01T00:00:00z",
                                    "2021-01-01t00:00:00Z",
                                    "2021-01-01T00:00Z",
                                    "2021-01-01T00:00",
                                    " 2021-01-01T00:00:00Z ",
                                    "2021-01-01T00:00:00ZZ",
                                    "2021-1-01",
                                    "+2021-01-01",
                                    "2021-01-01T00:00:00.5+05:30",
                                    "2021-01-01T0:00:00Z",
                                    "2021-01-01T00:00:00 Z",
                                    "2021-01-01x",
                                    "２０２１-01-01"};
  // Random dates, times, fractions and offsets, valid and not.
  std::mt19937 rng(20240305);
  auto two = [&](int max) {
    return absl::StrCat(rng() % (max + 1) / 10, rng() % (max + 1) % 10);
  };
  for (int i = 0; i < 20000; ++i) {
    std::string t =
        absl::StrCat(1900 + rng() % 300, "-", two(13), "-", two(32));
    if (rng() % 4 != 0) {
      absl::StrAppend(&t, "T", two(25), ":", two(61), ":", two(61));
      if (rng() % 2 == 0) {
        absl::StrAppend(
            &t, ".",
            std::string(1 + rng() % 11, static_cast<char>('0' + rng() % 10)));
      }
      switch (rng() % 4) {
        case 0:
          break;
        case 1:
          t += "Z";
          break;
        default:
          absl::StrAppend(&t, rng() % 2 ? "+" : "-", two(25), ":", two(61));
      }
    }
    texts.push_back(t);
  }
  for (const std::string& text : texts) {
    const std::optional<absl::Time> want = Reference(text);
    const std::optional<absl::Time> got = ParseMaesnTime(text);
    ASSERT_EQ(got.has_value(), want.has_value()) << text;
    if (want) {
      EXPECT_EQ(*got, *want) << text;
    }
  }
}

TEST(FormatMaesnTimeTest, Rfc3339Utc) {
  EXPECT_EQ(FormatMaesnTime(absl::FromUnixSeconds(1609459200)),
            "2021-01-01T00:00:00Z");
  EXPECT_EQ(FormatMaesnTime(absl::FromUnixMillis(1609459200250)),
            "2021-01-01T00:00:00.25Z");
}

TEST(InTimestampRangeTest, ExactlyTheYearsOneTo9999) {
  EXPECT_TRUE(InTimestampRange(absl::FromUnixSeconds(-62135596800)));
  EXPECT_FALSE(InTimestampRange(absl::FromUnixSeconds(-62135596801)));
  EXPECT_TRUE(InTimestampRange(absl::FromUnixSeconds(253402300799) +
                               absl::Nanoseconds(999999999)));
  EXPECT_FALSE(InTimestampRange(absl::FromUnixSeconds(253402300800)));
  EXPECT_FALSE(InTimestampRange(absl::InfiniteFuture()));
}

}  // namespace
}  // namespace maesn::gateway::mapping
