#include "gateway/mapping/text.h"

#include <gtest/gtest.h>

#include <string>

namespace maesn::gateway::mapping {
namespace {

TEST(IsValidUtf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("ABC-123"));
  EXPECT_TRUE(
      IsValidUtf8("Gr\xC3\xBC\xC3\x9F"
                  "e"));                             // Grüße
  EXPECT_TRUE(IsValidUtf8("\xE2\x82\xAC"));          // €
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x93\x84"));      // 📄
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));  // NUL is UTF-8
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));      // U+10FFFF
}

TEST(IsValidUtf8Test, RefusesMalformedText) {
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // cut short
  EXPECT_FALSE(IsValidUtf8("ok\xE2\x82"));        // cut short at the end
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xC3(\xA9"));         // bad continuation
}

TEST(SanitizeTextTest, ReplacesInvalidBytesAndCutsAtACharacter) {
  EXPECT_EQ(SanitizeText("ok\xFFok", 100), "ok\xEF\xBF\xBDok");
  EXPECT_EQ(SanitizeText("abcdef", 4), "abcd...");
  // "€" is three bytes: it is not split.
  EXPECT_EQ(SanitizeText("a\xE2\x82\xAC", 3), "a...");
  EXPECT_TRUE(IsValidUtf8(SanitizeText("\xC3\x28\xED\xA0\x80", 100)));
}

}  // namespace
}  // namespace maesn::gateway::mapping
