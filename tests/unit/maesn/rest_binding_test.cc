#include "gateway/maesn/rest_binding.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/text_format.h"
#include "tests/testing/status_matchers.h"

namespace maesn::gateway {
namespace {

using ::maesn::testing::IsOk;
using ::maesn::testing::StatusIs;
using ::testing::HasSubstr;

// The contract as it is: every rpc of every service has a valid binding.
TEST(BindingTableTest, TheContractBuilds) {
  auto table = BindingTable::Build(BindingTable::ContractServices());
  ASSERT_THAT(table.status(), IsOk());
  EXPECT_GE((*table)->services().size(), 4u);
  const RestBinding* get =
      (*table)->Find("/maesn.accounting.v1.InvoiceService/GetInvoice");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->http_method, "GET");
  EXPECT_TRUE(get->idempotent());
  const RestBinding* create =
      (*table)->Find("/maesn.accounting.v1.BillService/CreateBill");
  ASSERT_NE(create, nullptr);
  EXPECT_FALSE(create->idempotent());
  const RestBinding* watch =
      (*table)->Find("/maesn.accounting.v1.TaskService/WatchTask");
  ASSERT_NE(watch, nullptr);
  EXPECT_EQ(watch->kind, RpcKind::kWatch);
  EXPECT_EQ(GrpcType(watch->kind), "server_stream");
}

// A test service with one rpc whose annotations are `options` (text format
// of MethodOptions), built in a pool over the generated one.
class BadAnnotationTest : public ::testing::Test {
 protected:
  absl::Status BuildWith(const std::string& options) {
    google::protobuf::FileDescriptorProto file;
    const std::string text = R"pb(
      name: "test/bad.proto"
      package: "test"
      dependency: "maesn/accounting/v1/common.proto"
      message_type {
        name: "Req"
        field {
          name: "thing_id"
          number: 1
          type: TYPE_STRING
          label: LABEL_OPTIONAL
        }
      }
      message_type {
        name: "Resp"
        field {
          name: "thing"
          number: 1
          type: TYPE_MESSAGE
          label: LABEL_OPTIONAL
          type_name: ".maesn.accounting.v1.ResponseMeta"
        }
        field {
          name: "meta"
          number: 2
          type: TYPE_MESSAGE
          label: LABEL_OPTIONAL
          type_name: ".maesn.accounting.v1.ResponseMeta"
        }
      }
      service {
        name: "Things"
        method {
          name: "GetThing"
          input_type: ".test.Req"
          output_type: ".test.Resp"
        }
      }
    )pb";
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &file));
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
        options,
        file.mutable_service(0)->mutable_method(0)->mutable_options()));
    const auto* built = pool_.BuildFile(file);
    EXPECT_NE(built, nullptr);
    if (built == nullptr) return absl::InternalError("test proto");
    return BindingTable::Build({built->service(0)}).status();
  }

  google::protobuf::DescriptorPool pool_{
      google::protobuf::DescriptorPool::generated_pool()};
};

constexpr char kGood[] = R"pb(
  [google.api.http] { get: "/things/{thing_id}" }
  [maesn.accounting.v1.operation] {
    operation_id: "getThing"
    data: MAESN_DATA_RECORD
    data_field: "thing"
  }
)pb";

TEST_F(BadAnnotationTest, AGoodBindingBuilds) {
  EXPECT_THAT(BuildWith(kGood), IsOk());
}

TEST_F(BadAnnotationTest, APathVariableNamingNoFieldStopsStartUp) {
  EXPECT_THAT(
      BuildWith(R"pb(
        [google.api.http] { get: "/things/{nothing}" }
        [maesn.accounting.v1.operation] {
          operation_id: "getThing"
          data: MAESN_DATA_RECORD
          data_field: "thing"
        }
      )pb"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("rpc test.Things.GetThing: path variable {nothing}")));
}

TEST_F(BadAnnotationTest, AMissingOperationIdStopsStartUp) {
  EXPECT_THAT(BuildWith(R"pb(
                [google.api.http] { get: "/things/{thing_id}" }
                [maesn.accounting.v1.operation] {
                  data: MAESN_DATA_RECORD
                  data_field: "thing"
                }
              )pb"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("test.Things.GetThing: operation_id")));
}

TEST_F(BadAnnotationTest, AnUnknownDataShapeStopsStartUp) {
  EXPECT_THAT(BuildWith(R"pb(
                [google.api.http] { get: "/things/{thing_id}" }
                [maesn.accounting.v1.operation] {
                  operation_id: "getThing"
                  data_field: "thing"
                }
              )pb"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("test.Things.GetThing: data")));
}

TEST_F(BadAnnotationTest, ARequestFieldThatIsNotSentAnywhereStopsStartUp) {
  EXPECT_THAT(BuildWith(R"pb(
                [google.api.http] { get: "/things" }
                [maesn.accounting.v1.operation] {
                  operation_id: "getThing"
                  data: MAESN_DATA_RECORD
                  data_field: "thing"
                }
              )pb"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("request field thing_id is neither")));
}

TEST_F(BadAnnotationTest, AnRpcWithoutABindingStopsStartUp) {
  EXPECT_THAT(BuildWith(""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("has no google.api.http annotation")));
}

}  // namespace
}  // namespace maesn::gateway
