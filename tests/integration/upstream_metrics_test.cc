// The gateway publishes its transport's figures: requests in flight and
// open upstream connections by protocol (the simulator speaks HTTP/1.1).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/gateway_fixture.h"

namespace maesn::testing {
namespace {

using ::testing::HasSubstr;

class UpstreamMetricsTest : public GatewayFixture {};

TEST_F(UpstreamMetricsTest, InFlightAndConnectionsByProtocol) {
  StartGateway(BaseConfig());
  for (int i = 0; i < 3; ++i) {
    v1::GetInvoiceRequest req;
    req.set_invoice_id("ABC123");
    v1::GetInvoiceResponse resp;
    auto ctx = Context();
    ASSERT_TRUE(invoices_->GetInvoice(ctx.get(), req, &resp).ok());
  }
  const std::string text = gateway_->metrics().TextExposition();
  EXPECT_THAT(text, HasSubstr("# TYPE maesn_upstream_in_flight gauge"));
  EXPECT_THAT(text, HasSubstr("maesn_upstream_in_flight 0"));
  // Sequential calls share one keep-alive connection.
  EXPECT_THAT(text,
              HasSubstr(R"(maesn_upstream_connections{protocol="h1"} 1)"));
  EXPECT_THAT(text,
              HasSubstr(R"(maesn_upstream_connections{protocol="h2"} 0)"));
}

}  // namespace
}  // namespace maesn::testing
