#include "gateway/service/validation.h"

#include <gtest/gtest.h>

#include <string>

namespace maesn::gateway {
namespace {

struct Case {
  std::string id;
  bool ok;
};

class ValidateIdTest : public ::testing::TestWithParam<Case> {};

TEST_P(ValidateIdTest, AcceptsOrRejects) {
  absl::Status s = ValidateId("invoice_id", GetParam().id);
  EXPECT_EQ(s.ok(), GetParam().ok) << GetParam().id << " -> " << s;
  if (!s.ok()) {
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("invoice_id"), absl::string_view::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ids, ValidateIdTest,
    ::testing::Values(Case{"ABC123", true}, Case{"9714f3a2-5b8e-4d1b", true},
                      Case{"../",
                           true},  // encoded later: reaches exactly that id
                      Case{"..%2F", true},  // likewise
                      Case{"?x=1", true}, Case{"#", true}, Case{"/", true},
                      Case{"\xF0\x9F\x98\x80", true},  // emoji
                      Case{"", false}, Case{"   ", false}, Case{"\t", false},
                      Case{".", false}, Case{"..", false},
                      Case{std::string("a\0b", 3), false}, Case{"a\nb", false},
                      Case{"\xff\xfe", false},
                      Case{"\xC0\xAF", false},  // overlong '/'
                      Case{std::string(10 * 1024, 'x'), false},
                      Case{std::string(kMaxIdLength, 'x'), true}));

TEST(ValidateOptionalTest, EmptyIsFine) {
  EXPECT_TRUE(ValidateOptional("company_id", "").ok());
  EXPECT_FALSE(ValidateOptional("company_id", " ").ok());
}

}  // namespace
}  // namespace maesn::gateway
