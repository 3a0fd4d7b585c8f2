#include "gateway/maesn/path_builder.h"

#include <gtest/gtest.h>

#include <string>

namespace maesn::gateway {
namespace {

TEST(PercentEncodeTest, OnlyUnreservedStayAsIs) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("a/b"), "a%2Fb");
  EXPECT_EQ(PercentEncode("../x"), "..%2Fx");
  EXPECT_EQ(PercentEncode("..%2F"), "..%252F");
  EXPECT_EQ(PercentEncode("?x=1"), "%3Fx%3D1");
  EXPECT_EQ(PercentEncode("#"), "%23");
  EXPECT_EQ(PercentEncode(std::string("a\0b", 3)), "a%00b");
  EXPECT_EQ(PercentEncode("a b+c&d"), "a%20b%2Bc%26d");
  EXPECT_EQ(PercentEncode("\xF0\x9F\x98\x80"), "%F0%9F%98%80");
}

TEST(TargetTest, SegmentsAndQuery) {
  Target t("/accounting/invoices");
  t.Segment("INV/1?x#y")
      .Fixed("/document")
      .Query("companyId", "c 1")
      .Query("environmentName", "")
      .QueryFlag("rawData", true)
      .QueryFlag("other", false);
  EXPECT_EQ(t.str(),
            "/accounting/invoices/INV%2F1%3Fx%23y/document?companyId=c%201&"
            "rawData=true");
}

TEST(TargetTest, DotSegmentsAreEncoded) {
  EXPECT_EQ(Target("/a").Segment("..").str(), "/a/%2E%2E");
  EXPECT_EQ(Target("/a").Segment(".").str(), "/a/%2E");
  EXPECT_EQ(Target("/a").Segment("...").str(), "/a/...");
}

}  // namespace
}  // namespace maesn::gateway
