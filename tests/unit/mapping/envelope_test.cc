#include "gateway/mapping/envelope.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/mapping/document_mapping.h"
#include "gateway/mapping/envelope_internal.h"
#include "gateway/mapping/task_mapping.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/text_format.h"
#include "maesn/accounting/v1/bill.pb.h"
#include "maesn/accounting/v1/event_subscription.pb.h"
#include "maesn/accounting/v1/invoice.pb.h"
#include "maesn/accounting/v1/profile.pb.h"
#include "maesn/accounting/v1/project.pb.h"
#include "maesn/accounting/v1/task.pb.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/proto_matchers.h"
#include "tests/testing/status_matchers.h"

namespace maesn::gateway::mapping {
namespace {

using ::maesn::testing::EqualsProto;
using ::maesn::testing::IsOk;
using ::maesn::testing::ReadTestdata;
using ::maesn::testing::ReadTextProto;
using ::maesn::testing::StatusIs;
using ::testing::HasSubstr;

// Golden fixtures: Maesn JSON beside the expected proto (text format).
TEST(GoldenTest, SeedInvoice) {
  v1::GetInvoiceResponse got;
  ASSERT_THAT(ParseRecordResponse(ReadTestdata("maesn/invoice/seed_get.json"),
                                  *got.mutable_invoice(), *got.mutable_meta(),
                                  nullptr, "invoice"),
              IsOk());
  v1::GetInvoiceResponse want;
  ASSERT_TRUE(ReadTextProto("maesn/invoice/seed_get.textproto", want));
  EXPECT_THAT(got, EqualsProto(want));
}

TEST(GoldenTest, TolerantInvoice) {
  v1::GetInvoiceResponse got;
  ASSERT_THAT(ParseRecordResponse(ReadTestdata("maesn/invoice/tolerant.json"),
                                  *got.mutable_invoice(), *got.mutable_meta(),
                                  nullptr, "invoice"),
              IsOk());
  v1::GetInvoiceResponse want;
  ASSERT_TRUE(ReadTextProto("maesn/invoice/tolerant.textproto", want));
  EXPECT_THAT(got, EqualsProto(want));
}

TEST(GoldenTest, SeedBillGivenAsOneElementArray) {
  v1::GetBillResponse got;
  ASSERT_THAT(ParseRecordResponse(ReadTestdata("maesn/bill/seed_get.json"),
                                  *got.mutable_bill(), *got.mutable_meta(),
                                  nullptr, "bill"),
              IsOk());
  v1::GetBillResponse want;
  ASSERT_TRUE(ReadTextProto("maesn/bill/seed_get.textproto", want));
  EXPECT_THAT(got, EqualsProto(want));
}

TEST(GoldenTest, SeedTaskWithFreeTextStatus) {
  v1::GetTaskResponse got;
  ASSERT_THAT(
      ParseTaskResponse(ReadTestdata("maesn/task/seed_get.json"), "seed-task",
                        *got.mutable_task(), *got.mutable_meta()),
      IsOk());
  v1::GetTaskResponse want;
  ASSERT_TRUE(ReadTextProto("maesn/task/seed_get.textproto", want));
  EXPECT_THAT(got, EqualsProto(want));
}

TEST(EnvelopeTest, BillAsObjectEqualsBillAsArray) {
  const std::string array_form = ReadTestdata("maesn/bill/seed_get.json");
  // The same record as an object, as the spec has it.
  const std::string object_form =
      R"({"data": {"id": "9714f3a2", "status": "PAID"}})";
  v1::Bill from_object;
  v1::ResponseMeta meta;
  ASSERT_THAT(
      ParseRecordResponse(object_form, from_object, meta, nullptr, "bill"),
      IsOk());
  EXPECT_EQ(from_object.id(), "9714f3a2");
  EXPECT_EQ(from_object.status(), v1::DOCUMENT_STATUS_PAID);
  EXPECT_EQ(meta.mapping_warnings_size(), 0);
}

TEST(EnvelopeTest, RawDataIsReturnedAsStruct) {
  v1::GetInvoiceResponse got;
  ASSERT_THAT(
      ParseRecordResponse(
          R"({"data": {"invoiceId": "1"}, "rawData": {"DocNumber": "A-1", "Lines": [1, 2]}})",
          *got.mutable_invoice(), *got.mutable_meta(), got.mutable_raw_data(),
          "invoice"),
      IsOk());
  EXPECT_EQ(got.raw_data().fields().at("DocNumber").string_value(), "A-1");
  EXPECT_EQ(got.raw_data().fields().at("Lines").list_value().values_size(), 2);
}

TEST(EnvelopeTest, ListAppendsEveryRecord) {
  v1::ListInvoicesResponse got;
  ASSERT_THAT(
      ParseListResponse(
          R"({"meta": {"pagination": {"total": 3, "perPage": 2, "currentPage": 1, "totalPages": 2}},
              "data": [{"invoiceId": "a"}, {"invoiceId": "b"}]})",
          got, "invoices", *got.mutable_meta(), nullptr),
      IsOk());
  ASSERT_EQ(got.invoices_size(), 2);
  EXPECT_EQ(got.invoices(1).invoice_id(), "b");
  EXPECT_EQ(got.meta().pagination().total_pages(), 2);
}

// A target system that reads a list asynchronously answers with a task id
// instead of the records: no record is made of it.
TEST(EnvelopeTest, ListOfAnAsynchronousAnswerHoldsNoRecord) {
  v1::ListProjectsResponse got;
  ASSERT_THAT(ParseListResponse(R"({"meta": {}, "data": {"taskId": "T1"}})",
                                got, "projects", *got.mutable_meta(), nullptr),
              IsOk());
  EXPECT_EQ(got.projects_size(), 0);
  EXPECT_EQ(got.meta().mapping_warnings_size(), 0);
}

// A single record that has a taskId among its properties is still a record.
TEST(EnvelopeTest, ASingleRecordWithATaskIdPropertyIsRead) {
  v1::ListProjectsResponse got;
  ASSERT_THAT(ParseListResponse(R"({"data": {"id": "PRJ-1", "taskId": "T1"}})",
                                got, "projects", *got.mutable_meta(), nullptr),
              IsOk());
  ASSERT_EQ(got.projects_size(), 1);
  EXPECT_EQ(got.projects(0).id(), "PRJ-1");
}

// `errors` of a 2xx answer reach the caller in meta, whatever their shape.
struct ErrorsCase {
  const char* errors;  // the JSON of the envelope's `errors`
  std::vector<std::vector<std::string>> want;  // message, field, code, raw
};

class SuccessErrorsTest : public ::testing::TestWithParam<ErrorsCase> {};

TEST_P(SuccessErrorsTest, AreCarriedInMetaByEveryReader) {
  const std::string body = absl::StrCat(
      R"({"data": {"invoiceId": "1", "status": "OPEN"}, "errors": )",
      GetParam().errors, R"(, "meta": {"warnings": ["w"]}})");
  auto check = [](const v1::ResponseMeta& meta) {
    ASSERT_EQ(meta.errors_size(), GetParam().want.size());
    for (int i = 0; i < meta.errors_size(); ++i) {
      const auto& want = GetParam().want[static_cast<std::size_t>(i)];
      EXPECT_EQ(meta.errors(i).message(), want[0]);
      EXPECT_EQ(meta.errors(i).field(), want[1]);
      EXPECT_EQ(meta.errors(i).code(), want[2]);
      EXPECT_EQ(nlohmann::json::parse(meta.errors(i).raw_json()),
                nlohmann::json::parse(want[3]));
    }
    EXPECT_EQ(meta.warnings_size(), 1);
  };
  // One record (streaming reader, or the tree reader it falls back to).
  v1::Invoice invoice;
  v1::ResponseMeta meta;
  ASSERT_THAT(ParseRecordResponse(body, invoice, meta, nullptr, "invoice"),
              IsOk());
  EXPECT_EQ(invoice.status(), v1::DOCUMENT_STATUS_OPEN);
  check(meta);
  // The tree reader alone.
  v1::Invoice tree_invoice;
  v1::ResponseMeta tree_meta;
  ASSERT_THAT(internal::ParseRecordResponseTree(body, tree_invoice, tree_meta,
                                                nullptr, "invoice"),
              IsOk());
  check(tree_meta);
  // A list.
  v1::ListInvoicesResponse list;
  ASSERT_THAT(
      ParseListResponse(body, list, "invoices", *list.mutable_meta(), nullptr),
      IsOk());
  check(list.meta());
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, SuccessErrorsTest,
    ::testing::Values(
        ErrorsCase{"null", {}}, ErrorsCase{"[]", {}}, ErrorsCase{"{}", {}},
        ErrorsCase{
            R"("Line 2 was not booked")",
            {{"Line 2 was not booked", "", "", R"("Line 2 was not booked")"}}},
        ErrorsCase{R"({"message": "partly saved", "code": 207})",
                   {{"partly saved", "", "207",
                     R"({"message": "partly saved", "code": 207})"}}},
        ErrorsCase{
            R"([{"property": "lineItems.1.taxCode", "message": "unknown"},
                "second", {"description": "third", "type": "WARN"}])",
            {{"unknown", "lineItems.1.taxCode", "",
              R"({"property": "lineItems.1.taxCode", "message": "unknown"})"},
             {"second", "", "", R"("second")"},
             {"third", "", "WARN",
              R"({"description": "third", "type": "WARN"})"}}},
        ErrorsCase{
            R"({"dueDate": "not supported", "reference": ["too long", "ascii only"]})",
            {{"not supported", "dueDate", "",
              R"({"dueDate": "not supported"})"},
             {"too long; ascii only", "reference", "",
              R"({"reference": ["too long", "ascii only"]})"}}}));

TEST(EnvelopeTest, ErrorsOfAStringAnswerAreCarriedToo) {
  std::string result;
  bool has_result = false;
  v1::ResponseMeta meta;
  ASSERT_THAT(
      ParseStringResponse(R"({"data": "deleted", "errors": ["file kept"]})",
                          &result, &has_result, meta),
      IsOk());
  EXPECT_EQ(result, "deleted");
  ASSERT_EQ(meta.errors_size(), 1);
  EXPECT_EQ(meta.errors(0).message(), "file kept");
}

// Untyped `data` (MAESN_DATA_UNTYPED) goes whole into a Struct or a Value:
// every JSON type kept (numbers as doubles), nothing lost.
TEST(UntypedResponseTest, AnObjectGoesWholeIntoAStruct) {
  v1::GetProfileResponse response;
  ASSERT_THAT(
      ParseUntypedResponse(
          R"({"meta": {"warnings": []}, "data": {"companyName":
                      "Schreinerei Huber GmbH", "currency": "EUR", "open":
                      2, "features": {"asyncTasks": true}, "tags": ["a",
                      null], "note": null}, "errors": ["slow"]})",
          response, *response.GetDescriptor()->FindFieldByName("profile"),
          *response.mutable_meta()),
      IsOk());
  google::protobuf::Struct expected;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        fields {
          key: "companyName"
          value { string_value: "Schreinerei Huber GmbH" }
        }
        fields {
          key: "currency"
          value { string_value: "EUR" }
        }
        fields {
          key: "open"
          value { number_value: 2 }
        }
        fields {
          key: "features"
          value {
            struct_value {
              fields {
                key: "asyncTasks"
                value { bool_value: true }
              }
            }
          }
        }
        fields {
          key: "tags"
          value {
            list_value {
              values { string_value: "a" }
              values { null_value: NULL_VALUE }
            }
          }
        }
        fields {
          key: "note"
          value { null_value: NULL_VALUE }
        }
      )pb",
      &expected));
  EXPECT_THAT(response.profile(), EqualsProto(expected));
  EXPECT_EQ(response.meta().mapping_warnings_size(), 0);
  ASSERT_EQ(response.meta().errors_size(), 1);
  EXPECT_EQ(response.meta().errors(0).message(), "slow");
}

TEST(UntypedResponseTest, NoDataOrNullLeavesTheFieldUnset) {
  for (const char* body : {R"({"meta": {}})", R"({"data": null})"}) {
    v1::GetProfileResponse response;
    ASSERT_THAT(ParseUntypedResponse(
                    body, response,
                    *response.GetDescriptor()->FindFieldByName("profile"),
                    *response.mutable_meta()),
                IsOk());
    EXPECT_FALSE(response.has_profile()) << body;
    EXPECT_EQ(response.meta().mapping_warnings_size(), 0) << body;
  }
}

TEST(UntypedResponseTest, AStructTakesOnlyAnObjectAValueTakesAnything) {
  v1::GetProfileResponse profile;
  ASSERT_THAT(
      ParseUntypedResponse(R"({"data": "SUB-1"})", profile,
                           *profile.GetDescriptor()->FindFieldByName("profile"),
                           *profile.mutable_meta()),
      IsOk());
  EXPECT_FALSE(profile.has_profile());
  ASSERT_EQ(profile.meta().mapping_warnings_size(), 1);
  EXPECT_EQ(profile.meta().mapping_warnings(0).field(), "profile");
  EXPECT_THAT(profile.meta().mapping_warnings(0).message(),
              HasSubstr("expected an object"));

  v1::DeleteEventSubscriptionResponse deleted;
  ASSERT_THAT(
      ParseUntypedResponse(R"({"data": "SUB-1"})", deleted,
                           *deleted.GetDescriptor()->FindFieldByName("result"),
                           *deleted.mutable_meta()),
      IsOk());
  EXPECT_EQ(deleted.result().string_value(), "SUB-1");
  EXPECT_EQ(deleted.meta().mapping_warnings_size(), 0);
}

TEST(UntypedResponseTest, AnUnusableBodyIsAnError) {
  v1::GetProfileResponse response;
  EXPECT_THAT(ParseUntypedResponse(
                  "<html>", response,
                  *response.GetDescriptor()->FindFieldByName("profile"),
                  *response.mutable_meta()),
              StatusIs(absl::StatusCode::kInternal,
                       HasSubstr("Maesn's response is unusable")));
}

// Malformed or unexpected bodies give a clear error, never a crash.
class BadBodyTest : public ::testing::TestWithParam<const char*> {};

TEST_P(BadBodyTest, IsInternalWithReason) {
  v1::Invoice invoice;
  v1::ResponseMeta meta;
  EXPECT_THAT(
      ParseRecordResponse(GetParam(), invoice, meta, nullptr, "invoice"),
      StatusIs(absl::StatusCode::kInternal,
               HasSubstr("Maesn's response is unusable")));
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, BadBodyTest,
    ::testing::Values("", "not json", "{\"data\": ", "[1,2]", "\"text\"", "{}",
                      "{\"data\": null}", "{\"data\": 42}",
                      "<html><body>502 Bad Gateway</body></html>",
                      "{\"data\": {\"a\": \"\xff\xfe\"}}"));

TEST(EnvelopeTest, EmptyArrayForOneRecordIsNotFound) {
  v1::Bill bill;
  v1::ResponseMeta meta;
  EXPECT_THAT(
      ParseRecordResponse(R"({"data": []})", bill, meta, nullptr, "bill"),
      StatusIs(absl::StatusCode::kNotFound));
}

TEST(TaskMappingTest, ResponseDataAlsoComesAsItsExactJsonText) {
  v1::Task task;
  v1::ResponseMeta meta;
  ASSERT_THAT(
      ParseTaskResponse(
          R"({"data": {"status": "SUCCESS", "responseData": {"journalId": 9007199254740993, "amount": 0.10}}})",
          "t-1", task, meta),
      IsOk());
  EXPECT_EQ(task.response_data()
                .struct_value()
                .fields()
                .at("journalId")
                .number_value(),
            9007199254740992.0);
  EXPECT_EQ(task.response_data_json(),
            R"({"journalId": 9007199254740993, "amount": 0.10})");
  v1::Task without;
  ASSERT_THAT(ParseTaskResponse(R"({"data": {"status": "OPEN"}})", "t-2",
                                without, meta),
              IsOk());
  EXPECT_TRUE(without.response_data_json().empty());
}

TEST(TaskMappingTest, TerminalStatusesAreDone) {
  for (const char* status :
       {"FINISHED", "SUCCESS", "FAILED", "PARTIAL_SUCCESS",
        "CANCELLED_SUCCESSFULLY", "CANCEL_FAILED", "DELETED"}) {
    v1::Task task;
    v1::ResponseMeta meta;
    ASSERT_THAT(ParseTaskResponse(
                    std::string(R"({"data": {"status": ")") + status + R"("}})",
                    "t", task, meta),
                IsOk());
    EXPECT_TRUE(task.done()) << status;
    EXPECT_EQ(task.raw_status(), status);
  }
  for (const char* status : {"OPEN", "IN_PROGRESS"}) {
    v1::Task task;
    v1::ResponseMeta meta;
    ASSERT_THAT(ParseTaskResponse(
                    std::string(R"({"data": {"status": ")") + status + R"("}})",
                    "t", task, meta),
                IsOk());
    EXPECT_FALSE(task.done()) << status;
  }
}

TEST(TaskMappingTest, ResponseDataKeepsAnyJson) {
  v1::Task task;
  v1::ResponseMeta meta;
  ASSERT_THAT(
      ParseTaskResponse(
          R"({"data": {"status": "FINISHED", "responseData": [{"id": 1}, "x"]}})",
          "t", task, meta),
      IsOk());
  ASSERT_TRUE(task.response_data().has_list_value());
  EXPECT_EQ(task.response_data().list_value().values_size(), 2);
}

// Records, documents and tasks read `data` by the same rules: [x] is x,
// [] is NOT_FOUND, several records use the first with a warning, a
// non-object is an unusable answer.
TEST(SingleRecordTest, RecordsDocumentsAndTasksShareTheRules) {
  const std::string empty = R"({"meta":{},"data":[]})";
  const std::string two = R"({"meta":{},"data":[{"fileName":"a.pdf"},{}]})";
  const std::string scalar = R"({"meta":{},"data":5})";
  v1::Invoice invoice;
  v1::Document document;
  v1::Task task;
  v1::ResponseMeta meta;
  EXPECT_THAT(ParseRecordResponse(empty, invoice, meta, nullptr, "invoice"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ParseDocumentResponse(empty, document, meta),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ParseTaskResponse(empty, "t", task, meta),
              StatusIs(absl::StatusCode::kNotFound));
  for (auto* parse : {+[](const std::string&b, v1::ResponseMeta&m) {
                        v1::Invoice r;
                        return ParseRecordResponse(b, r, m, nullptr, "invoice");
                      },
                      +[](const std::string&b, v1::ResponseMeta&m) {
                        v1::Document r;
                        return ParseDocumentResponse(b, r, m);
                      },
                      +[](const std::string&b, v1::ResponseMeta&m) {
                        v1::Task r;
                        return ParseTaskResponse(b, "t", r, m);
                      }}) {
    v1::ResponseMeta warned;
    EXPECT_THAT(parse(two, warned), IsOk());
    ASSERT_EQ(warned.mapping_warnings_size(), 1);
    EXPECT_THAT(warned.mapping_warnings(0).message(),
                HasSubstr("several records"));
    v1::ResponseMeta unused;
    EXPECT_THAT(parse(scalar, unused), StatusIs(absl::StatusCode::kInternal));
  }
}

}  // namespace
}  // namespace maesn::gateway::mapping
