// HttpsMaesnStub against a fake transport: the exact request each invoice and
// bill operation sends (method, target, body) and how the answer is read.
#include "gateway/maesn/https_maesn_stub.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gateway/common/errors.h"
#include "maesn/accounting/v1/file.pb.h"
#include "tests/testing/mock_maesn_stub.h"
#include "tests/testing/status_matchers.h"

namespace maesn::gateway {
namespace {

using ::maesn::testing::IsOk;
using ::maesn::testing::StatusIs;
using ::testing::HasSubstr;
using Json = nlohmann::json;

// Records every request and answers with a fixed response.
class FakeTransport : public HttpTransport {
 public:
  absl::StatusOr<HttpResponse> Send(const HttpRequest& request,
                                    CallContext& context) override {
    (void)context;
    absl::MutexLock lock(&mu_);
    requests_.push_back(request);
    return response_;
  }
  void Answer(int status, std::string body) {
    absl::MutexLock lock(&mu_);
    response_.status = status;
    response_.headers = {{"Content-Type", "application/json"}};
    response_.body = std::move(body);
  }
  std::vector<HttpRequest> requests() const {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  HttpRequest last() const {
    absl::MutexLock lock(&mu_);
    return requests_.empty() ? HttpRequest{} : requests_.back();
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<HttpRequest> requests_;
  HttpResponse response_;
};

// One stub call of the rpc whose request type is Request.
template <typename Response, typename Request>
absl::StatusOr<Response> StubCall(MaesnStub& stub, CallContext& call,
                                  const Request& request,
                                  std::optional<PagePosition> page = {}) {
  Response response;
  absl::Status s =
      stub.Call(call, ::maesn::testing::BindingFor(Request::descriptor()),
                request, page.has_value() ? &*page : nullptr, response);
  if (!s.ok()) return s;
  return response;
}

class StubTest : public ::testing::Test {
 protected:
  StubTest()
      : transport_(std::make_shared<FakeTransport>()), stub_(transport_) {
    call_.credentials = {"api", "account"};
  }

  static Json Body(const HttpRequest& r) {
    return Json::parse(r.body, nullptr, false);
  }

  std::shared_ptr<FakeTransport> transport_;
  HttpsMaesnStub stub_;
  CallContext call_;
};

TEST_F(StubTest, ListInvoicesSendsPageLimitAndEveryFilter) {
  transport_->Answer(200, R"({"meta":{"warnings":["w"],"pagination":{"total":
      12,"perPage":5,"currentPage":2,"totalPages":3}},"data":[{"invoiceId":
      "A"},{"invoiceId":"B"}],"rawData":[{"Id":"A"}]})");
  v1::ListInvoicesRequest r;
  r.set_company_id("c 1");
  r.set_environment_name("prod");
  r.set_raw_data(true);
  r.mutable_modified_since()->set_seconds(1704067200);  // 2024-01-01
  r.set_status(v1::DOCUMENT_STATUS_PARTIALLY_PAID);
  r.set_payment_status(v1::PAYMENT_STATUS_PARTLY_PAID);
  r.mutable_due_date_from()->set_year(2024);
  r.mutable_due_date_from()->set_month(2);
  r.mutable_due_date_from()->set_day(1);
  r.set_order_by(v1::INVOICE_ORDER_FIELD_INVOICE_NUMBER);
  r.set_order_direction(v1::ORDER_DIRECTION_DESC);
  auto resp =
      StubCall<v1::ListInvoicesResponse>(stub_, call_, r, PagePosition{2, 5});
  ASSERT_THAT(resp, IsOk());
  HttpRequest sent = transport_->last();
  EXPECT_EQ(sent.method, "GET");
  EXPECT_EQ(sent.target,
            "/accounting/invoices?page=2&limit=5&"
            "lastModifiedAt=2024-01-01T00%3A00%3A00Z&environmentName=prod&"
            "companyId=c%201&status=PARTIALLY_PAID&paymentStatus=PARTLY_PAID&"
            "rawData=true&orderField=invoiceNumber&orderDir=DESC&"
            "dueDateFrom=2024-02-01");  // an ISO 8601 date, as documented
  EXPECT_TRUE(sent.body.empty());
  ASSERT_EQ(resp->invoices_size(), 2);
  EXPECT_EQ(resp->invoices(1).invoice_id(), "B");
  EXPECT_EQ(resp->meta().pagination().total(), 12);
  EXPECT_EQ(resp->meta().warnings(0), "w");
  EXPECT_TRUE(resp->raw_data().has_list_value());
  // The connection, not the stub, fills these.
  EXPECT_TRUE(resp->next_page_token().empty());
}

TEST_F(StubTest, RawDataAlsoComesAsItsExactJsonText) {
  // 2^53 + 1 is not a double: raw_data (google.protobuf.Value) rounds it,
  // raw_data_json keeps it.
  transport_->Answer(
      200, R"({"data":{"invoiceId":"A"},"rawData":{"Id":9007199254740993}})");
  v1::GetInvoiceRequest r;
  r.set_invoice_id("A");
  r.set_raw_data(true);
  auto resp = StubCall<v1::GetInvoiceResponse>(stub_, call_, r);
  ASSERT_THAT(resp, IsOk());
  EXPECT_EQ(resp->raw_data().fields().at("Id").number_value(),
            9007199254740992.0);
  EXPECT_EQ(resp->raw_data_json(), R"({"Id":9007199254740993})");
  // Not asked for: neither is set.
  r.set_raw_data(false);
  resp = StubCall<v1::GetInvoiceResponse>(stub_, call_, r);
  ASSERT_THAT(resp, IsOk());
  EXPECT_FALSE(resp->has_raw_data());
  EXPECT_TRUE(resp->raw_data_json().empty());
  // A list's page.
  transport_->Answer(200, R"({"data":[],"rawData":[{"Id":9007199254740993}]})");
  v1::ListInvoicesRequest list;
  list.set_raw_data(true);
  auto page = StubCall<v1::ListInvoicesResponse>(stub_, call_, list,
                                                 PagePosition{1, 0});
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->raw_data_json(), R"([{"Id":9007199254740993}])");
}

TEST_F(StubTest, ListWithDefaultsSendsOnlyThePage) {
  transport_->Answer(200, R"({"data":[]})");
  ASSERT_THAT(StubCall<v1::ListBillsResponse>(
                  stub_, call_, v1::ListBillsRequest{}, PagePosition{1, 0}),
              IsOk());
  EXPECT_EQ(transport_->last().target, "/accounting/bills?page=1");
}

TEST_F(StubTest, CreateInvoiceSendsOnlyTheFieldsThatAreSet) {
  transport_->Answer(201, R"({"data":{"invoiceId":"NEW"}})");
  v1::CreateInvoiceRequest r;
  r.set_company_id("c1");
  r.mutable_invoice()->mutable_invoice_date()->set_year(2024);
  r.mutable_invoice()->mutable_invoice_date()->set_month(1);
  r.mutable_invoice()->mutable_invoice_date()->set_day(1);
  r.mutable_invoice()->set_currency("EUR");
  r.mutable_invoice()->add_line_items()->set_quantity(1.5);
  auto resp = StubCall<v1::CreateInvoiceResponse>(stub_, call_, r);
  ASSERT_THAT(resp, IsOk());
  EXPECT_EQ(resp->invoice().invoice_id(), "NEW");
  HttpRequest sent = transport_->last();
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.target, "/accounting/invoices?companyId=c1");
  EXPECT_EQ(Body(sent), Json::parse(R"({"invoiceDate":"2024-01-01T00:00:00Z",
      "currency":"EUR","lineItems":[{"quantity":1.5}]})"));
  bool content_type = false;
  for (const auto& [k, v] : sent.headers) {
    if (k == "Content-Type" && v == "application/json") content_type = true;
  }
  EXPECT_TRUE(content_type);
}

TEST_F(StubTest, UpdateInvoiceSendsExactlyTheMaskedFieldsUnsetAsNull) {
  transport_->Answer(200, R"({"data":{"invoiceId":"A/1"}})");
  v1::UpdateInvoiceRequest r;
  r.set_invoice_id("A/1");
  r.mutable_invoice()->set_reference("new ref");
  r.mutable_invoice()->set_name("not in the mask: never sent");
  r.mutable_invoice()->set_status(v1::DOCUMENT_STATUS_PAID);
  r.mutable_update_mask()->add_paths("reference");
  r.mutable_update_mask()->add_paths("due_date");  // unset: sent as null
  r.mutable_update_mask()->add_paths("status");
  ASSERT_THAT(StubCall<v1::UpdateInvoiceResponse>(stub_, call_, r), IsOk());
  HttpRequest sent = transport_->last();
  EXPECT_EQ(sent.method, "PATCH");
  EXPECT_EQ(sent.target, "/accounting/invoices/A%2F1");
  EXPECT_EQ(Body(sent), Json::parse(R"({"reference":"new ref",
      "status":"PAID","dueDate":null})"));
}

TEST_F(StubTest, UnsendableValueFailsBeforeAnyRequest) {
  v1::CreateBillRequest r;
  r.mutable_bill()->set_shipping_type(v1::BILL_SHIPPING_TYPE_UNSPECIFIED);
  EXPECT_THAT(StubCall<v1::CreateBillResponse>(stub_, call_, r),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("bill.shipping_type")));
  EXPECT_TRUE(transport_->requests().empty());
}

TEST_F(StubTest, InvoiceLineOperations) {
  transport_->Answer(200, R"({"data":{"lineItemId":"L1","quantity":2}})");
  v1::GetInvoiceLineItemRequest get;
  get.set_invoice_id("I 1");
  get.set_line_item_id("L/1");
  get.set_raw_data(true);
  auto line = StubCall<v1::GetInvoiceLineItemResponse>(stub_, call_, get);
  ASSERT_THAT(line, IsOk());
  EXPECT_EQ(line->line_item().quantity(), 2);
  EXPECT_EQ(transport_->last().target,
            "/accounting/invoices/I%201/lineItems/L%2F1?rawData=true");

  v1::CreateInvoiceLineItemRequest create;
  create.set_invoice_id("I1");
  create.mutable_line_item()->set_quantity(3);
  create.mutable_line_item()->set_unit_amount(19.99);
  ASSERT_THAT(StubCall<v1::CreateInvoiceLineItemResponse>(stub_, call_, create),
              IsOk());
  EXPECT_EQ(transport_->last().method, "POST");
  EXPECT_EQ(transport_->last().target, "/accounting/invoices/I1/lineItems");
  EXPECT_EQ(Body(transport_->last()),
            Json::parse(R"({"quantity":3,"unitAmount":19.99})"));

  v1::UpdateInvoiceLineItemRequest update;
  update.set_invoice_id("I1");
  update.set_line_item_id("L1");
  update.mutable_line_item()->set_type(v1::INVOICE_LINE_ITEM_TYPE_MATERIAL);
  update.mutable_update_mask()->add_paths("type");
  update.mutable_update_mask()->add_paths("description");
  ASSERT_THAT(StubCall<v1::UpdateInvoiceLineItemResponse>(stub_, call_, update),
              IsOk());
  EXPECT_EQ(transport_->last().method, "PATCH");
  EXPECT_EQ(transport_->last().target, "/accounting/invoices/I1/lineItems/L1");
  EXPECT_EQ(Body(transport_->last()),
            Json::parse(R"({"description":null,"type":"MATERIAL"})"));

  transport_->Answer(200, R"({"data":[{"lineItemId":"L1"}]})");
  v1::ListInvoiceLineItemsRequest list;
  list.set_invoice_id("I1");
  list.mutable_modified_since()->set_seconds(1);
  auto lines = StubCall<v1::ListInvoiceLineItemsResponse>(stub_, call_, list,
                                                          PagePosition{3, 100});
  ASSERT_THAT(lines, IsOk());
  EXPECT_EQ(lines->line_items_size(), 1);
  EXPECT_EQ(transport_->last().target,
            "/accounting/invoices/I1/lineItems?page=3&limit=100&"
            "lastModifiedAt=1970-01-01T00%3A00%3A01Z");
}

TEST_F(StubTest, DocumentsComeBackDecoded) {
  // "%PDF" base64-encoded.
  transport_->Answer(200, R"({"data":{"id":"d","base64Encoded":true,
      "content":"JVBERg==","contentType":"application/pdf",
      "fileName":"x.pdf"}})");
  v1::GetInvoiceDocumentRequest inv;
  inv.set_invoice_id("I1");
  inv.set_company_id("c");
  auto doc = StubCall<v1::GetInvoiceDocumentResponse>(stub_, call_, inv);
  ASSERT_THAT(doc, IsOk());
  EXPECT_EQ(doc->document().content(), "%PDF");
  EXPECT_EQ(doc->document().file_name(), "x.pdf");
  EXPECT_EQ(transport_->last().target,
            "/accounting/invoices/I1/document?companyId=c");
  v1::GetBillDocumentRequest bill;
  bill.set_bill_id("B1");
  auto bdoc = StubCall<v1::GetBillDocumentResponse>(stub_, call_, bill);
  ASSERT_THAT(bdoc, IsOk());
  EXPECT_EQ(bdoc->document().content_type(), "application/pdf");
  EXPECT_EQ(transport_->last().target, "/accounting/bills/B1/document");
}

TEST_F(StubTest, BillWrites) {
  transport_->Answer(200, R"({"data":{"id":"B1"}})");
  v1::UpdateBillRequest put;
  put.set_bill_id("B1");
  put.set_environment_name("e");
  put.mutable_bill()->set_bill_number("ER-1");
  auto* dim = put.mutable_bill()->add_line_items()->add_dimensions();
  dim->set_name("C1");
  dim->set_category_name("CostCenter");
  ASSERT_THAT(StubCall<v1::UpdateBillResponse>(stub_, call_, put), IsOk());
  EXPECT_EQ(transport_->last().method, "PUT");
  EXPECT_EQ(transport_->last().target,
            "/accounting/bills/B1?environmentName=e");
  EXPECT_EQ(Body(transport_->last()), Json::parse(R"({"billNumber":"ER-1",
      "lineItems":[{"dimensions":[{"name":"C1","categoryName":"CostCenter"}]}]})"));

  transport_->Answer(200, R"({"data":"B1"})");
  v1::DeleteBillRequest del;
  del.set_bill_id("B1");
  auto deleted = StubCall<v1::DeleteBillResponse>(stub_, call_, del);
  ASSERT_THAT(deleted, IsOk());
  EXPECT_EQ(deleted->result(), "B1");
  EXPECT_EQ(transport_->last().method, "DELETE");
  EXPECT_TRUE(transport_->last().body.empty());

  // The spec's array, and the docs' single object, both become a list.
  for (const char* body :
       {R"({"data":[{"id":"L1"},{"id":"L2"}]})", R"({"data":{"id":"L1"}})"}) {
    transport_->Answer(201, body);
    v1::CreateBillLineItemRequest line;
    line.set_bill_id("B1");
    line.mutable_line_item()->set_quantity(1);
    auto created = StubCall<v1::CreateBillLineItemResponse>(stub_, call_, line);
    ASSERT_THAT(created, IsOk());
    EXPECT_GE(created->line_items_size(), 1);
    EXPECT_EQ(created->line_items(0).id(), "L1");
    EXPECT_EQ(transport_->last().target, "/accounting/bills/B1/lineItems");
  }
  transport_->Answer(200, R"({"data":[{"id":"L1"}]})");
  v1::UpdateBillLineItemRequest update;
  update.set_bill_id("B1");
  update.set_line_item_id("L1");
  update.mutable_line_item()->set_unit_name("PIECE");
  ASSERT_THAT(StubCall<v1::UpdateBillLineItemResponse>(stub_, call_, update),
              IsOk());
  EXPECT_EQ(transport_->last().method, "PUT");
  EXPECT_EQ(transport_->last().target, "/accounting/bills/B1/lineItems/L1");
  v1::ListBillLineItemsRequest list;
  list.set_bill_id("B1");
  list.set_raw_data(true);
  ASSERT_THAT(StubCall<v1::ListBillLineItemsResponse>(stub_, call_, list),
              IsOk());
  EXPECT_EQ(transport_->last().target,
            "/accounting/bills/B1/lineItems?rawData=true");
}

TEST_F(StubTest, MaesnErrorsAreMappedAndTagged) {
  transport_->Answer(400, R"({"statusCode":400,"message":["bad"],
      "validationErrors":[{"property":"invoiceDate","constraints":{"x":"y"}}]})");
  v1::CreateInvoiceRequest r;
  auto resp = StubCall<v1::CreateInvoiceResponse>(stub_, call_, r);
  EXPECT_THAT(resp, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ErrorMetadata(resp.status(), "operation"), "createInvoice");
  EXPECT_EQ(ErrorMetadata(resp.status(), "http_status"), "400");
}

// --- multipart/form-data uploads -------------------------------------------

// The boundary of a multipart Content-Type.
std::string BoundaryOf(const HttpRequest& r) {
  for (const auto& [name, value] : r.headers) {
    if (name == "Content-Type") {
      const std::string prefix = "multipart/form-data; boundary=";
      if (value.rfind(prefix, 0) == 0) return value.substr(prefix.size());
    }
  }
  return "";
}

TEST_F(StubTest, UploadSendsOneFormPartPerSetFieldWithTheFileBytesAsSent) {
  transport_->Answer(201, R"({"meta":{"warnings":[]},"data":{"id":"F1",
      "fileName":"a.pdf","contentType":"application/pdf",
      "base64Encoded":true,"content":"JVBERg=="}})");
  v1::UploadFileRequest r;
  r.set_company_id("c1");
  // Bytes that look like form syntax must pass untouched.
  const std::string bytes("%PDF\0\r\n--x\r\nbinary\xff", 20);
  r.mutable_upload()->mutable_file()->set_file_name("Beleg \"März\".pdf");
  r.mutable_upload()->mutable_file()->set_content_type("application/pdf");
  r.mutable_upload()->mutable_file()->set_content(bytes);
  r.mutable_upload()->set_document_type("Rechnungseingang");
  r.mutable_upload()->mutable_document_date()->set_year(2025);
  r.mutable_upload()->mutable_document_date()->set_month(3);
  r.mutable_upload()->mutable_document_date()->set_day(26);
  auto got = StubCall<v1::UploadFileResponse>(stub_, call_, r);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->file().id(), "F1");
  EXPECT_EQ(got->file().content(), "%PDF");

  const HttpRequest sent = transport_->last();
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.target, "/accounting/files?companyId=c1");
  const std::string b = BoundaryOf(sent);
  ASSERT_FALSE(b.empty());
  EXPECT_EQ(sent.body,
            "--" + b +
                "\r\nContent-Disposition: form-data; name=\"file\"; "
                "filename=\"Beleg %22März%22.pdf\"\r\n"
                "Content-Type: application/pdf\r\n\r\n" +
                bytes + "\r\n--" + b +
                "\r\nContent-Disposition: form-data; name=\"documentDate\""
                "\r\n\r\n2025-03-26T00:00:00Z\r\n--" +
                b +
                "\r\nContent-Disposition: form-data; name=\"documentType\""
                "\r\n\r\nRechnungseingang\r\n--" +
                b + "--\r\n");
}

TEST_F(StubTest, EachUploadGetsABoundaryThatIsNotInTheFile) {
  v1::UploadFileRequest r;
  r.mutable_upload()->mutable_file()->set_file_name("a.txt");
  r.mutable_upload()->mutable_file()->set_content("x");
  std::set<std::string> boundaries;
  for (int i = 0; i < 3; ++i) {
    transport_->Answer(201, R"({"data":{"id":"F"}})");
    ASSERT_THAT(StubCall<v1::UploadFileResponse>(stub_, call_, r), IsOk());
    const std::string b = BoundaryOf(transport_->last());
    const std::string& body = transport_->last().body;
    // The boundary only delimits: one part, so it occurs exactly twice.
    std::size_t count = 0;
    for (std::size_t at = body.find(b); at != std::string::npos;
         at = body.find(b, at + 1)) {
      ++count;
    }
    EXPECT_EQ(count, 2u) << body;
    boundaries.insert(b);
  }
  EXPECT_EQ(boundaries.size(), 3u);
  // A file without a content type is sent as application/octet-stream.
  EXPECT_NE(
      transport_->last().body.find("Content-Type: application/octet-stream"),
      std::string::npos);
}

TEST_F(StubTest, AnUploadWithoutBytesOrNameOrWithControlCharactersIsRefused) {
  struct Case {
    std::string name;
    std::string content;
    std::string field;
  };
  for (const Case& c :
       {Case{"", "x", "upload.file.file_name"},
        Case{"a.pdf", "", "upload.file.content"},
        Case{"a\r\nX-Injected: 1.pdf", "x", "upload.file.file_name"}}) {
    v1::UploadFileRequest r;
    r.mutable_upload()->mutable_file()->set_file_name(c.name);
    r.mutable_upload()->mutable_file()->set_content(c.content);
    auto got = StubCall<v1::UploadFileResponse>(stub_, call_, r);
    EXPECT_THAT(
        got, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field)))
        << c.name;
  }
  EXPECT_TRUE(transport_->requests().empty());
}

TEST_F(StubTest, AnAsynchronousUploadAnswersWithItsTaskId) {
  transport_->Answer(202, R"({"meta":{"warnings":[]},"data":{"taskId":"T9"}})");
  v1::UploadFileAsyncRequest r;
  r.mutable_upload()->mutable_file()->set_file_name("a.xml");
  r.mutable_upload()->mutable_file()->set_content("<x/>");
  auto got = StubCall<v1::UploadFileAsyncResponse>(stub_, call_, r);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->task_id(), "T9");
  EXPECT_EQ(got->meta().mapping_warnings_size(), 0);
  EXPECT_EQ(transport_->last().target, "/accounting/files/async");

  transport_->Answer(202, R"({"meta":{"warnings":[]},"data":{}})");
  auto without = StubCall<v1::UploadFileAsyncResponse>(stub_, call_, r);
  ASSERT_THAT(without, IsOk());
  EXPECT_EQ(without->task_id(), "");
  ASSERT_EQ(without->meta().mapping_warnings_size(), 1);
  EXPECT_EQ(without->meta().mapping_warnings(0).field(), "task_id");
}

}  // namespace
}  // namespace maesn::gateway
