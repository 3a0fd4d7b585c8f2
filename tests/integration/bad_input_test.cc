// Bad input over a real channel: every hostile id either fails with
// INVALID_ARGUMENT before anything goes upstream, or reaches exactly the
// intended Maesn path (the simulator records the raw request target). The
// table is docs/errors.md, "Bad input".

#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/integration/rpc_prober.h"
#include "tests/testing/error_details.h"

namespace maesn::testing {
namespace {

struct IdCase {
  std::string name;
  std::string id;
  // Empty: INVALID_ARGUMENT naming the field, nothing sent upstream.
  // Otherwise the encoded last path segment Maesn must see.
  std::string encoded;
};

std::ostream& operator<<(std::ostream& os, const IdCase& c) {
  return os << c.name;
}

// One RPC that takes an id as a path segment.
struct IdRpc {
  std::string field;
  std::string path;    // Maesn path before the id
  std::string suffix;  // Maesn path after the id
  std::function<grpc::Status(GatewayFixture&, grpc::ClientContext*,
                             const std::string&)>
      call;
};

class BadIdTest : public GatewayFixture,
                  public ::testing::WithParamInterface<IdCase> {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    StartGateway(BaseConfig());
  }

  // Every RPC whose id becomes a path segment, reads and writes.
  std::vector<IdRpc> Rpcs() {
    using F = GatewayFixture;
    using Ctx = grpc::ClientContext;
    auto self = [](F& f) -> BadIdTest& { return static_cast<BadIdTest&>(f); };
    return {
        {"invoice_id", "/accounting/invoices/", "",
         [self](F& f, Ctx* ctx, const std::string& id) {
           v1::GetInvoiceRequest req;
           req.set_invoice_id(id);
           v1::GetInvoiceResponse resp;
           return self(f).invoices_->GetInvoice(ctx, req, &resp);
         }},
        {"invoice_id", "/accounting/invoices/", "/document",
         [self](F& f, Ctx* ctx, const std::string& id) {
           v1::GetInvoiceDocumentRequest req;
           req.set_invoice_id(id);
           v1::GetInvoiceDocumentResponse resp;
           return self(f).invoices_->GetInvoiceDocument(ctx, req, &resp);
         }},
        {"invoice_id", "/accounting/invoices/", "/lineItems",
         [self](F& f, Ctx* ctx, const std::string& id) {
           v1::ListInvoiceLineItemsRequest req;
           req.set_invoice_id(id);
           v1::ListInvoiceLineItemsResponse resp;
           return self(f).invoices_->ListInvoiceLineItems(ctx, req, &resp);
         }},
        {"line_item_id", "/accounting/invoices/ABC123/lineItems/", "",
         [self](F& f, Ctx* ctx, const std::string& id) {
           v1::GetInvoiceLineItemRequest req;
           req.set_invoice_id("ABC123");
           req.set_line_item_id(id);
           v1::GetInvoiceLineItemResponse resp;
           return self(f).invoices_->GetInvoiceLineItem(ctx, req, &resp);
         }},
        {"bill_id", "/accounting/bills/", "",
         [self](F& f, Ctx* ctx, const std::string& id) {
           v1::GetBillRequest req;
           req.set_bill_id(id);
           v1::GetBillResponse resp;
           return self(f).bills_->GetBill(ctx, req, &resp);
         }},
        {"bill_id", "/accounting/bills/", "",  // a write: DELETE
         [self](F& f, Ctx* ctx, const std::string& id) {
           v1::DeleteBillRequest req;
           req.set_bill_id(id);
           v1::DeleteBillResponse resp;
           return self(f).bills_->DeleteBill(ctx, req, &resp);
         }},
        {"task_id", "/accounting/asyncTask/", "",
         [self](F& f, Ctx* ctx, const std::string& id) {
           v1::GetTaskRequest req;
           req.set_task_id(id);
           v1::GetTaskResponse resp;
           return self(f).tasks_->GetTask(ctx, req, &resp);
         }},
    };
  }
};

TEST_P(BadIdTest, RejectedOrSentToExactlyTheIntendedPath) {
  const IdCase& c = GetParam();
  for (const IdRpc& rpc : Rpcs()) {
    SCOPED_TRACE(rpc.path + "<" + rpc.field + ">" + rpc.suffix);
    simulator().ClearRequests();
    auto ctx = Context();
    grpc::Status s = rpc.call(*this, ctx.get(), c.id);
    const auto requests = simulator().Requests();
    if (c.encoded.empty()) {
      EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
          << s.error_message();
      EXPECT_TRUE(absl::StrContains(s.error_message(), rpc.field))
          << s.error_message();
      const ErrorDetails d = ReadErrorDetails(s);
      EXPECT_EQ(d.reason(), "INVALID_FIELD");
      EXPECT_EQ(d.violations().count(rpc.field), 1u);
      EXPECT_TRUE(requests.empty()) << requests.front().target;
    } else {
      // Maesn (the simulator) has no such record: its 404 proves the
      // request arrived, and the target proves where.
      EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND)
          << s.error_message();
      ASSERT_EQ(requests.size(), 1u);
      const std::string& target = requests[0].target;
      EXPECT_EQ(target.substr(0, target.find('?')),
                rpc.path + c.encoded + rpc.suffix);
      for (const auto& [key, value] : requests[0].query) {
        EXPECT_TRUE(key == "page" || key == "limit") << key;  // ours only
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ids, BadIdTest,
    ::testing::Values(
        IdCase{"Empty", "", ""}, IdCase{"Spaces", "   ", ""},
        IdCase{"Tab", "\t", ""},
        IdCase{"DotDot", "..", ""},  // a dot-segment; never forwarded
        IdCase{"DotDotSlash", "../", "..%2F"},
        IdCase{"EncodedDotDotSlash", "..%2F", "..%252F"},
        IdCase{"Traversal", "../../admin", "..%2F..%2Fadmin"},
        IdCase{"Query", "?x=1", "%3Fx%3D1"}, IdCase{"Hash", "#", "%23"},
        IdCase{"Slash", "/", "%2F"}, IdCase{"EncodedNul", "%00", "%2500"},
        IdCase{"EmbeddedNul", std::string("ab\0cd", 5), ""},
        IdCase{"HeaderInjection", "x\r\nX-Evil: 1", ""},
        IdCase{"TenKilobytes", std::string(10 * 1024, 'a'), ""},
        IdCase{"LongestAllowed", std::string(512, 'b'), std::string(512, 'b')},
        IdCase{"Emoji", "\xF0\x9F\xA7\xBE", "%F0%9F%A7%BE"},
        IdCase{"Space", "a b", "a%20b"}, IdCase{"Percent", "100%", "100%25"}),
    [](const ::testing::TestParamInfo<IdCase>& param) {
      return param.param.name;
    });

class BadRequestTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    auto config = BaseConfig();
    config.max_message_bytes = 64 * 1024;
    StartGateway(config);
  }
};

TEST_F(BadRequestTest, InvalidUtf8IsAClearInvalidArgument) {
  // gRPC C++ refuses to parse a proto3 string field holding invalid UTF-8
  // and would answer a bare INTERNAL; the gateway says what is wrong.
  v1::GetInvoiceRequest req;
  req.set_invoice_id("abc\xFF\xFE");
  v1::GetInvoiceResponse resp;
  auto ctx = Context();
  grpc::Status s = invoices_->GetInvoice(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << s.error_code() << " " << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "UTF-8"))
      << s.error_message();
  EXPECT_EQ(ReadErrorDetails(s).reason(), "INVALID_REQUEST_MESSAGE");
  EXPECT_TRUE(simulator().Requests().empty());
}

TEST_F(BadRequestTest, QueryValuesCannotAddParameters) {
  v1::GetInvoiceRequest req;
  req.set_invoice_id("ABC123");
  req.set_company_id("1&rawData=true#x");
  v1::GetInvoiceResponse resp;
  auto ctx = Context();
  EXPECT_TRUE(invoices_->GetInvoice(ctx.get(), req, &resp).ok());
  const auto requests = simulator().Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target,
            "/accounting/invoices/ABC123?companyId=1%26rawData%3Dtrue%23x");
  ASSERT_EQ(requests[0].query.size(), 1u);
  EXPECT_EQ(requests[0].query[0].second, "1&rawData=true#x");
}

TEST_F(BadRequestTest, NegativePageIsInvalidAndHugePageIsSentAsIs) {
  v1::GetTaskRequest req;
  req.set_task_id("task-datev-duo-1");
  req.set_page(-1);
  v1::GetTaskResponse resp;
  auto ctx = Context();
  grpc::Status s = tasks_->GetTask(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReadErrorDetails(s).violations().count("page"), 1u);
  EXPECT_TRUE(simulator().Requests().empty());

  req.set_page(std::numeric_limits<int32_t>::max());
  auto ctx2 = Context();
  EXPECT_TRUE(tasks_->GetTask(ctx2.get(), req, &resp).ok());
  ASSERT_EQ(simulator().Requests().size(), 1u);
  EXPECT_EQ(simulator().Requests()[0].target,
            "/accounting/asyncTask/task-datev-duo-1?page=2147483647");
}

TEST_F(BadRequestTest, PageSizesAreCheckedAndMappedToMaesnLimits) {
  struct Case {
    int32_t page_size;
    std::string limit;  // "" = INVALID_ARGUMENT, nothing sent
  };
  for (const Case& c :
       {Case{-1, ""}, Case{std::numeric_limits<int32_t>::min(), ""},
        Case{7, "10"}, Case{100, "100"},
        Case{std::numeric_limits<int32_t>::max(), "100"}}) {
    SCOPED_TRACE(c.page_size);
    simulator().ClearRequests();
    v1::ListInvoicesRequest req;
    req.set_page_size(c.page_size);
    v1::ListInvoicesResponse resp;
    auto ctx = Context();
    grpc::Status s = invoices_->ListInvoices(ctx.get(), req, &resp);
    const auto requests = simulator().Requests();
    if (c.limit.empty()) {
      EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
      EXPECT_EQ(ReadErrorDetails(s).violations().count("page_size"), 1u);
      EXPECT_TRUE(requests.empty());
      continue;
    }
    EXPECT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(requests.size(), 1u);
    std::string limit;
    for (const auto& [k, v] : requests[0].query) {
      if (k == "limit") limit = v;
    }
    EXPECT_EQ(limit, c.limit) << requests[0].target;
  }
  // The streaming variant applies the same rule before streaming anything.
  v1::StreamInvoicesRequest stream_req;
  stream_req.set_page_size(-5);
  auto ctx = Context();
  auto reader = invoices_->StreamInvoices(ctx.get(), stream_req);
  v1::StreamInvoicesResponse item;
  EXPECT_FALSE(reader->Read(&item));
  grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReadErrorDetails(s).violations().count("page_size"), 1u);
}

TEST_F(BadRequestTest, UnknownEnumNumbersAreInvalidAndNothingIsSent) {
  v1::ListInvoicesRequest list;
  list.set_status(static_cast<v1::DocumentStatus>(999));
  v1::ListInvoicesResponse list_resp;
  auto ctx = Context();
  grpc::Status s = invoices_->ListInvoices(ctx.get(), list, &list_resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReadErrorDetails(s).violations().count("status"), 1u)
      << s.error_message();

  v1::ListBillsRequest bills;
  bills.set_order_direction(static_cast<v1::OrderDirection>(-3));
  v1::ListBillsResponse bills_resp;
  auto ctx2 = Context();
  s = bills_->ListBills(ctx2.get(), bills, &bills_resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReadErrorDetails(s).violations().count("order_direction"), 1u)
      << s.error_message();
  EXPECT_TRUE(simulator().Requests().empty());
}

TEST_F(BadRequestTest, ForgedPageTokenIsInvalid) {
  v1::ListInvoicesRequest req;
  req.set_page_token("not-a-token");
  v1::ListInvoicesResponse resp;
  auto ctx = Context();
  grpc::Status s = invoices_->ListInvoices(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(simulator().Requests().empty());
}

TEST_F(BadRequestTest, MessageOverTheConfiguredMaximumIsRefused) {
  v1::GetInvoiceRequest req;
  req.set_invoice_id("ABC123");
  req.set_company_id(std::string(100 * 1024, 'c'));  // > 64 KiB
  v1::GetInvoiceResponse resp;
  auto ctx = Context();
  grpc::Status s = invoices_->GetInvoice(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << s.error_message();
  EXPECT_TRUE(simulator().Requests().empty());
  // Just under the limit the message is read, and the id rules apply.
  req.set_company_id(std::string(60 * 1024, 'c'));
  auto ctx2 = Context();
  s = invoices_->GetInvoice(ctx2.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReadErrorDetails(s).violations().count("company_id"), 1u);
  EXPECT_TRUE(simulator().Requests().empty());
}

TEST_F(BadRequestTest, GarbageBytesForARequestAreInvalidArgument) {
  // Not a protobuf at all: sent as raw bytes on the method's path.
  grpc::GenericStub generic(channel());
  auto ctx = Context();
  grpc::Slice slice(std::string("\xFF\xFF\xFF\xFF\x0F garbage", 13));
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  absl::Notification done;
  generic.UnaryCall(ctx.get(), "/maesn.accounting.v1.InvoiceService/GetInvoice",
                    grpc::StubOptions(), &request, &response,
                    [&](grpc::Status s) {
                      status = std::move(s);
                      done.Notify();
                    });
  done.WaitForNotification();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_EQ(ReadErrorDetails(status).reason(), "INVALID_REQUEST_MESSAGE");
  EXPECT_TRUE(simulator().Requests().empty());
}

// Every rpc whose request names a record by id in the path (its own, its
// list's or its poll's): a "." id is refused with INVALID_ARGUMENT naming
// the field, and nothing is sent. The rpcs come from the descriptors, so a
// new one is covered without changing this test.
class EveryRpcBadIdTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    StartGateway(BaseConfig());
  }
};

TEST_F(EveryRpcBadIdTest, APathIdOfDotIsRefusedBeforeAnyRequest) {
  int probed = 0;
  for (const auto* method : AllGatewayMethods()) {
    const std::string rpc =
        "/" + method->service()->full_name() + "/" + method->name();
    const gateway::RestBinding* b = gateway_->bindings().Find(rpc);
    ASSERT_NE(b, nullptr) << rpc;
    const gateway::RestBinding* call = b->list != nullptr   ? b->list
                                       : b->poll != nullptr ? b->poll
                                                            : b;
    bool has_path_id = false;
    for (const auto& piece : call->path) has_path_id |= piece.field != nullptr;
    if (!has_path_id) continue;
    ++probed;
    simulator().ClearRequests();
    ProbeResult r =
        Probe(channel(), *method, ProbeRequest(*method, "."),
              {{"x-account-key", kAccountKey}, {"x-api-key", kApiKey}},
              absl::Seconds(10));
    EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << rpc << ": " << r.status.error_message();
    EXPECT_THAT(r.status.error_message(), ::testing::HasSubstr("_id")) << rpc;
    EXPECT_TRUE(simulator().Requests().empty()) << rpc;
  }
  EXPECT_GE(probed, 10);
}

}  // namespace
}  // namespace maesn::testing
