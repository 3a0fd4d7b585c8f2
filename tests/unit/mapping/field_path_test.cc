#include "gateway/mapping/field_path.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "gateway/common/errors.h"
#include "google/rpc/error_details.pb.h"
#include "maesn/accounting/v1/bill.pb.h"
#include "maesn/accounting/v1/invoice.pb.h"

namespace maesn::gateway::mapping {
namespace {

namespace v1 = ::maesn::accounting::v1;

struct Case {
  const google::protobuf::Descriptor* request;
  std::string maesn;
  std::optional<std::string> proto;
};

class FieldPathTest : public ::testing::TestWithParam<Case> {};

TEST_P(FieldPathTest, MapsMaesnPathToRequestFieldPath) {
  EXPECT_EQ(ProtoPathForMaesnPath(*GetParam().request, GetParam().maesn),
            GetParam().proto)
      << GetParam().maesn;
}

INSTANTIATE_TEST_SUITE_P(
    Paths, FieldPathTest,
    ::testing::Values(
        // The body (CreateInvoiceRequest.invoice is a NewInvoice).
        Case{v1::CreateInvoiceRequest::descriptor(), "lineItems[0].quantity",
             "invoice.line_items[0].quantity"},
        Case{v1::CreateInvoiceRequest::descriptor(), "lineItems.3.quantity",
             "invoice.line_items[3].quantity"},
        Case{v1::CreateInvoiceRequest::descriptor(), "invoiceDate",
             "invoice.invoice_date"},
        Case{v1::CreateInvoiceRequest::descriptor(), "addresses[1].countryCode",
             "invoice.addresses[1].country_code"},
        // docs/maesn-api.md §5.5: a capitalised spelling still matches.
        Case{v1::CreateInvoiceRequest::descriptor(),
             "lineItems[0].TaxRatePercentage",
             "invoice.line_items[0].tax_rate_percentage"},
        // Query parameters are fields of the request itself.
        Case{v1::CreateInvoiceRequest::descriptor(), "companyId", "company_id"},
        Case{v1::GetBillRequest::descriptor(), "environmentName",
             "environment_name"},
        // Another resource, another body field name.
        Case{v1::CreateBillRequest::descriptor(), "lineItems[2].unitAmount",
             "bill.line_items[2].unit_amount"},
        // Unmatched or malformed: no guess.
        Case{v1::CreateInvoiceRequest::descriptor(), "lineItems[0].nope",
             std::nullopt},
        Case{v1::CreateInvoiceRequest::descriptor(), "invoiceDate[0]",
             std::nullopt},  // not repeated
        Case{v1::CreateInvoiceRequest::descriptor(), "invoiceDate.seconds",
             std::nullopt},  // into a well-known type
        Case{v1::CreateInvoiceRequest::descriptor(), "lineItems[x]",
             std::nullopt},
        Case{v1::CreateInvoiceRequest::descriptor(), "lineItems[-1]",
             std::nullopt},
        Case{v1::CreateInvoiceRequest::descriptor(), "", std::nullopt},
        Case{v1::CreateInvoiceRequest::descriptor(), ".", std::nullopt},
        Case{v1::CreateInvoiceRequest::descriptor(), "lineItems[0",
             std::nullopt}));

TEST(RewriteFieldViolationsTest, RewritesWhatMatchesAndKeepsTheRest) {
  absl::Status s =
      WithFieldViolations(absl::InvalidArgumentError("Maesn answered HTTP 400"),
                          {{"lineItems[0].quantity", "must be positive"},
                           {"someUpstreamThing", "bad"}});
  v1::CreateInvoiceRequest request;
  s = RewriteFieldViolations(std::move(s), request);
  google::rpc::BadRequest bad;
  ASSERT_TRUE(bad.ParseFromString(std::string(*s.GetPayload(kBadRequestUrl))));
  ASSERT_EQ(bad.field_violations_size(), 2);
  EXPECT_EQ(bad.field_violations(0).field(), "invoice.line_items[0].quantity");
  EXPECT_EQ(bad.field_violations(0).description(), "must be positive");
  EXPECT_EQ(bad.field_violations(1).field(), "someUpstreamThing");
}

TEST(RewriteFieldViolationsTest, StatusWithoutViolationsIsUnchanged) {
  absl::Status s = absl::NotFoundError("x");
  EXPECT_EQ(RewriteFieldViolations(s, v1::GetInvoiceRequest{}), s);
}

}  // namespace
}  // namespace maesn::gateway::mapping
