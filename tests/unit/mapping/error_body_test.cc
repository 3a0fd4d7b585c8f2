#include "gateway/mapping/error_body.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace maesn::gateway {
namespace {

using ::testing::Pair;
using ::testing::UnorderedElementsAre;

TEST(ErrorBodyTest, NestStyleMessage) {
  auto b = ParseMaesnErrorBody(
      R"({"statusCode": 404, "message": "Invoice not found", "error": "Not Found"})");
  EXPECT_EQ(b.message, "Invoice not found");
  EXPECT_FALSE(b.not_supported);
}

TEST(ErrorBodyTest, MessageArrayIsJoined) {
  auto b = ParseMaesnErrorBody(R"({"message": ["a must be set", "b too"]})");
  EXPECT_EQ(b.message, "a must be set; b too");
}

TEST(ErrorBodyTest, ValidationErrors) {
  auto b = ParseMaesnErrorBody(R"({
    "message": "Bad Request",
    "validationErrors": [
      {"property": "invoiceDate", "constraints": {"isDateString": "invoiceDate must be a date"}},
      {"field": "lineItems", "message": "lineItems must not be empty"}
    ]})");
  EXPECT_THAT(
      b.violations,
      UnorderedElementsAre(Pair("invoiceDate", "invoiceDate must be a date"),
                           Pair("lineItems", "lineItems must not be empty")));
}

TEST(ErrorBodyTest, NotSupportedIsRecognised) {
  EXPECT_TRUE(
      ParseMaesnErrorBody(
          R"({"message": "Endpoint not supported for target system xero"})")
          .not_supported);
}

TEST(ErrorBodyTest, HtmlIsQuotedCleanAndShort) {
  std::string html = "<html>\n<body>Bad\tGateway</body></html>";
  html += std::string(2000, 'x');
  auto b = ParseMaesnErrorBody(html);
  EXPECT_EQ(b.message.find('\n'), std::string::npos);
  EXPECT_LE(b.message.size(), 520u);
}

TEST(ErrorBodyTest, DeepNestingIsTextNotACrash) {
  const std::string body = R"({"message": )" + std::string(100000, '[') +
                           std::string(100000, ']') + "}";
  auto b = ParseMaesnErrorBody(body);
  EXPECT_LE(b.message.size(), 520u);
  EXPECT_TRUE(b.violations.empty());
}

}  // namespace
}  // namespace maesn::gateway
