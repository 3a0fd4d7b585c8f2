// Round trips per resource, every field set: proto -> JSON -> simulator ->
// JSON -> proto, compared with MessageDifferencer.
//
// Response DTOs (Invoice, InvoiceLineItem, Bill, BillLineItem, Document)
// are written as Maesn JSON, stored in the simulator and read back through
// the gateway's Get/List calls. Request DTOs (NewInvoice, InvoiceUpdate,
// NewInvoiceLineItem, InvoiceLineItemUpdate, NewBill, NewBillLineItem) go
// out through the gateway's writes; the JSON the simulator received is read
// back into the same proto, and where the simulator stores what it got
// (bills) the record it answers with is compared too.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "gateway/mapping/json_proto.h"
#include "google/protobuf/descriptor.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/proto_matchers.h"

namespace maesn::testing {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using Json = nlohmann::json;

// Fails the test for every field of `m` (recursively) that is not set, so a
// fixture cannot silently leave a field out of the round trip.
void ExpectEveryFieldSet(const Message& m, const std::string& path) {
  const auto* d = m.GetDescriptor();
  const auto* r = m.GetReflection();
  if (d->full_name().rfind("google.protobuf.", 0) == 0) return;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const std::string fp = path + "." + f->name();
    if (f->is_repeated()) {
      EXPECT_GT(r->FieldSize(m, f), 0) << fp << " is empty";
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        for (int k = 0; k < r->FieldSize(m, f); ++k) {
          ExpectEveryFieldSet(r->GetRepeatedMessage(m, f, k),
                              fp + "[" + std::to_string(k) + "]");
        }
      }
      continue;
    }
    if (f->has_presence()) {
      EXPECT_TRUE(r->HasField(m, f)) << fp << " is not set";
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      EXPECT_FALSE(r->GetString(m, f).empty()) << fp << " is empty";
    }
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        r->HasField(m, f)) {
      ExpectEveryFieldSet(r->GetMessage(m, f), fp);
    }
  }
}

template <typename T>
T Fixture(const std::string& name) {
  T m;
  EXPECT_TRUE(ReadTextProto("maesn/roundtrip/" + name + ".textproto", m));
  ExpectEveryFieldSet(m, name);
  return m;
}

// Maesn JSON of `m` in the simulator's ordered JSON type.
sim::Json ToSimJson(const Message& m) {
  Json out;
  EXPECT_TRUE(gateway::mapping::WriteMessage(m, "", out).ok());
  return sim::Json::parse(out.dump());
}

// Reads a JSON body into `m`, failing the test on any mapping warning.
void FromJson(const std::string& body, Message& m) {
  Json json = Json::parse(body, nullptr, false);
  ASSERT_TRUE(json.is_object()) << body;
  v1::ResponseMeta meta;
  gateway::mapping::Warnings warnings(&meta);
  gateway::mapping::ReadMessage(json, m, {nullptr, "body"}, warnings);
  EXPECT_EQ(meta.mapping_warnings_size(), 0) << meta.ShortDebugString();
}

// Reads `from`'s JSON into another message type (same JSON names).
template <typename T>
T Reread(const Message& from) {
  T out;
  Json json;
  EXPECT_TRUE(gateway::mapping::WriteMessage(from, "", json).ok());
  FromJson(json.dump(), out);
  return out;
}

// Every top-level field of `m`'s type, as an update mask.
google::protobuf::FieldMask AllFields(const google::protobuf::Descriptor& d) {
  google::protobuf::FieldMask mask;
  for (int i = 0; i < d.field_count(); ++i) mask.add_paths(d.field(i)->name());
  return mask;
}

class RoundTripTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    StartGateway(BaseConfig());
  }

  void Put(const std::string& resource, const Message& m,
           sim::Json document = nullptr) {
    sim::Record record;
    record.data = ToSimJson(m);
    record.document = std::move(document);
    ASSERT_TRUE(simulator().PutRecord(kAccountKey, resource, record).ok());
  }

  // Body of the one request the simulator received since the last clear.
  std::string OnlyRequestBody() {
    auto requests = simulator().Requests();
    EXPECT_EQ(requests.size(), 1u);
    return requests.empty() ? "" : requests.back().body;
  }
};

TEST_F(RoundTripTest, Invoice) {
  auto invoice = Fixture<v1::Invoice>("invoice");
  Put("invoices", invoice);
  v1::GetInvoiceRequest req;
  req.set_invoice_id(invoice.invoice_id());
  v1::GetInvoiceResponse resp;
  auto ctx = Context();
  ASSERT_TRUE(invoices_->GetInvoice(ctx.get(), req, &resp).ok());
  EXPECT_THAT(resp.invoice(), EqualsProto(invoice));
  EXPECT_EQ(resp.meta().mapping_warnings_size(), 0);
}

TEST_F(RoundTripTest, InvoiceLineItem) {
  auto invoice = Fixture<v1::Invoice>("invoice");
  Put("invoices", invoice);
  v1::GetInvoiceLineItemRequest req;
  req.set_invoice_id(invoice.invoice_id());
  req.set_line_item_id(invoice.line_items(0).line_item_id());
  v1::GetInvoiceLineItemResponse resp;
  auto ctx = Context();
  ASSERT_TRUE(invoices_->GetInvoiceLineItem(ctx.get(), req, &resp).ok());
  EXPECT_THAT(resp.line_item(), EqualsProto(invoice.line_items(0)));
}

TEST_F(RoundTripTest, Document) {
  auto document = Fixture<v1::Document>("document");
  auto invoice = Fixture<v1::Invoice>("invoice");
  Put("invoices", invoice, ToSimJson(document));
  auto bill = Fixture<v1::Bill>("bill");
  Put("bills", bill, ToSimJson(document));
  v1::GetInvoiceDocumentRequest ireq;
  ireq.set_invoice_id(invoice.invoice_id());
  v1::GetInvoiceDocumentResponse iresp;
  auto ictx = Context();
  ASSERT_TRUE(invoices_->GetInvoiceDocument(ictx.get(), ireq, &iresp).ok());
  EXPECT_THAT(iresp.document(), EqualsProto(document));
  v1::GetBillDocumentRequest breq;
  breq.set_bill_id(bill.id());
  v1::GetBillDocumentResponse bresp;
  auto bctx = Context();
  ASSERT_TRUE(bills_->GetBillDocument(bctx.get(), breq, &bresp).ok());
  EXPECT_THAT(bresp.document(), EqualsProto(document));
}

TEST_F(RoundTripTest, Bill) {
  auto bill = Fixture<v1::Bill>("bill");
  Put("bills", bill);
  v1::GetBillRequest req;
  req.set_bill_id(bill.id());
  v1::GetBillResponse resp;
  auto ctx = Context();
  ASSERT_TRUE(bills_->GetBill(ctx.get(), req, &resp).ok());
  EXPECT_THAT(resp.bill(), EqualsProto(bill));
}

TEST_F(RoundTripTest, BillLineItem) {
  auto bill = Fixture<v1::Bill>("bill");
  Put("bills", bill);
  v1::ListBillLineItemsRequest req;
  req.set_bill_id(bill.id());
  v1::ListBillLineItemsResponse resp;
  auto ctx = Context();
  ASSERT_TRUE(bills_->ListBillLineItems(ctx.get(), req, &resp).ok());
  ASSERT_EQ(resp.line_items_size(), 1);
  EXPECT_THAT(resp.line_items(0), EqualsProto(bill.line_items(0)));
}

TEST_F(RoundTripTest, NewInvoice) {
  auto invoice = Fixture<v1::NewInvoice>("new_invoice");
  v1::CreateInvoiceRequest req;
  *req.mutable_invoice() = invoice;
  v1::CreateInvoiceResponse resp;
  auto ctx = Context();
  ASSERT_TRUE(invoices_->CreateInvoice(ctx.get(), req, &resp).ok());
  v1::NewInvoice sent;
  FromJson(OnlyRequestBody(), sent);
  EXPECT_THAT(sent, EqualsProto(invoice));
  // The stored invoice carries what the response DTO has of it.
  EXPECT_EQ(resp.invoice().invoice_id(), invoice.invoice_id());
  EXPECT_EQ(resp.invoice().invoice_number(), invoice.invoice_number());
  EXPECT_THAT(resp.invoice().addresses(0), EqualsProto(invoice.addresses(0)));
  EXPECT_EQ(resp.invoice().line_items(0).quantity(),
            invoice.line_items(0).quantity());
}

TEST_F(RoundTripTest, InvoiceUpdate) {
  auto update = Fixture<v1::InvoiceUpdate>("invoice_update");
  v1::UpdateInvoiceRequest req;
  req.set_invoice_id("sim-inv-0002");
  *req.mutable_invoice() = update;
  *req.mutable_update_mask() = AllFields(*v1::InvoiceUpdate::descriptor());
  v1::UpdateInvoiceResponse resp;
  auto ctx = Context();
  grpc::Status s = invoices_->UpdateInvoice(ctx.get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  v1::InvoiceUpdate sent;
  FromJson(OnlyRequestBody(), sent);
  EXPECT_THAT(sent, EqualsProto(update));
  EXPECT_EQ(resp.invoice().reference(), update.reference());
  EXPECT_EQ(resp.invoice().line_items(0).quantity(),
            update.line_items(0).quantity());
}

TEST_F(RoundTripTest, NewInvoiceLineItem) {
  auto line = Fixture<v1::NewInvoiceLineItem>("new_invoice_line_item");
  v1::CreateInvoiceLineItemRequest req;
  req.set_invoice_id("sim-inv-0004");
  *req.mutable_line_item() = line;
  v1::CreateInvoiceLineItemResponse resp;
  auto ctx = Context();
  ASSERT_TRUE(invoices_->CreateInvoiceLineItem(ctx.get(), req, &resp).ok());
  v1::NewInvoiceLineItem sent;
  FromJson(OnlyRequestBody(), sent);
  EXPECT_THAT(sent, EqualsProto(line));
  EXPECT_EQ(resp.line_item().unit_amount(), line.unit_amount());
}

TEST_F(RoundTripTest, InvoiceLineItemUpdate) {
  auto update = Fixture<v1::InvoiceLineItemUpdate>("invoice_line_item_update");
  v1::UpdateInvoiceLineItemRequest req;
  req.set_invoice_id("sim-inv-0003");
  req.set_line_item_id("sim-inv-0003-L1");
  *req.mutable_line_item() = update;
  *req.mutable_update_mask() =
      AllFields(*v1::InvoiceLineItemUpdate::descriptor());
  v1::UpdateInvoiceLineItemResponse resp;
  auto ctx = Context();
  ASSERT_TRUE(invoices_->UpdateInvoiceLineItem(ctx.get(), req, &resp).ok());
  v1::InvoiceLineItemUpdate sent;
  FromJson(OnlyRequestBody(), sent);
  EXPECT_THAT(sent, EqualsProto(update));
  EXPECT_EQ(resp.line_item().name(), update.name());
}

// The bill the simulator stores and answers with equals the NewBill read as
// a Bill, apart from what the target system assigns.
void ExpectEchoedBill(v1::Bill got, const v1::NewBill& sent) {
  got.clear_id();
  got.clear_created_date();
  got.clear_updated_date();
  for (auto& line : *got.mutable_line_items()) {
    line.clear_created_date();
    line.clear_updated_date();
  }
  EXPECT_THAT(got, EqualsProto(Reread<v1::Bill>(sent)));
}

TEST_F(RoundTripTest, NewBill) {
  auto bill = Fixture<v1::NewBill>("new_bill");
  v1::CreateBillRequest req;
  *req.mutable_bill() = bill;
  v1::CreateBillResponse resp;
  auto ctx = Context();
  ASSERT_TRUE(bills_->CreateBill(ctx.get(), req, &resp).ok());
  v1::NewBill sent;
  FromJson(OnlyRequestBody(), sent);
  EXPECT_THAT(sent, EqualsProto(bill));
  ExpectEchoedBill(resp.bill(), bill);
  // And read back from the simulator's store.
  v1::GetBillRequest get;
  get.set_bill_id(resp.bill().id());
  v1::GetBillResponse stored;
  auto gctx = Context();
  ASSERT_TRUE(bills_->GetBill(gctx.get(), get, &stored).ok());
  EXPECT_THAT(stored.bill(), EqualsProto(resp.bill()));
}

TEST_F(RoundTripTest, NewBillAsUpdate) {
  auto bill = Fixture<v1::NewBill>("new_bill");
  v1::UpdateBillRequest req;
  req.set_bill_id("sim-bill-0006");
  *req.mutable_bill() = bill;
  v1::UpdateBillResponse resp;
  auto ctx = Context();
  ASSERT_TRUE(bills_->UpdateBill(ctx.get(), req, &resp).ok());
  v1::NewBill sent;
  FromJson(OnlyRequestBody(), sent);
  EXPECT_THAT(sent, EqualsProto(bill));
  EXPECT_EQ(resp.bill().id(), "sim-bill-0006");
  ExpectEchoedBill(resp.bill(), bill);
}

TEST_F(RoundTripTest, NewBillLineItem) {
  auto line = Fixture<v1::NewBillLineItem>("new_bill_line_item");
  v1::CreateBillLineItemRequest req;
  req.set_bill_id("sim-bill-0004");
  *req.mutable_line_item() = line;
  v1::CreateBillLineItemResponse resp;
  auto ctx = Context();
  ASSERT_TRUE(bills_->CreateBillLineItem(ctx.get(), req, &resp).ok());
  v1::NewBillLineItem sent;
  FromJson(OnlyRequestBody(), sent);
  EXPECT_THAT(sent, EqualsProto(line));
  ASSERT_EQ(resp.line_items_size(), 1);
  v1::BillLineItem got = resp.line_items(0);
  got.clear_created_date();
  got.clear_updated_date();
  EXPECT_THAT(got, EqualsProto(Reread<v1::BillLineItem>(line)));
}

TEST_F(RoundTripTest, NewBillLineItemAsUpdate) {
  auto line = Fixture<v1::NewBillLineItem>("new_bill_line_item");
  v1::UpdateBillLineItemRequest req;
  req.set_bill_id("sim-bill-0005");
  req.set_line_item_id("sim-bill-0005-L1");
  *req.mutable_line_item() = line;
  v1::UpdateBillLineItemResponse resp;
  auto ctx = Context();
  ASSERT_TRUE(bills_->UpdateBillLineItem(ctx.get(), req, &resp).ok());
  v1::NewBillLineItem sent;
  FromJson(OnlyRequestBody(), sent);
  EXPECT_THAT(sent, EqualsProto(line));
  ASSERT_EQ(resp.line_items_size(), 1);
  EXPECT_EQ(resp.line_items(0).id(), "sim-bill-0005-L1");  // the path's id
  v1::BillLineItem got = resp.line_items(0);
  got.clear_id();
  got.clear_created_date();
  got.clear_updated_date();
  v1::BillLineItem want = Reread<v1::BillLineItem>(line);
  want.clear_id();
  EXPECT_THAT(got, EqualsProto(want));
}

}  // namespace
}  // namespace maesn::testing
