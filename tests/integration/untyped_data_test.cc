// The operations whose `data` Maesn documents no schema for
// (MAESN_DATA_UNTYPED) end to end: the profile, the pass-through and the
// event subscriptions. Their bodies leave the gateway as Maesn's JSON
// (Struct fields as JSON objects), and their answers come back whole, as
// the simulator sent them.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "google/protobuf/util/json_util.h"
#include "maesn/accounting/v1/event_subscription.grpc.pb.h"
#include "maesn/accounting/v1/pass_through.grpc.pb.h"
#include "maesn/accounting/v1/profile.grpc.pb.h"
#include "tests/integration/gateway_fixture.h"

namespace maesn::testing {
namespace {

using ::testing::HasSubstr;

class UntypedDataTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    StartGateway(BaseConfig());
  }

  // `message` (a Struct or Value) as JSON, for comparing with what the
  // simulator sent.
  static nlohmann::json AsJson(const google::protobuf::Message& message) {
    std::string text;
    EXPECT_TRUE(
        google::protobuf::util::MessageToJsonString(message, &text).ok());
    return nlohmann::json::parse(text);
  }
};

TEST_F(UntypedDataTest, TheProfileComesBackAsMaesnSentIt) {
  auto profiles = v1::ProfileService::NewStub(channel());
  v1::GetProfileResponse resp;
  auto ctx = Context();
  grpc::Status s =
      profiles->GetProfile(ctx.get(), v1::GetProfileRequest{}, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.meta().mapping_warnings_size(), 0);
  const nlohmann::json profile = AsJson(resp.profile());
  EXPECT_EQ(profile["companyName"], "Schreinerei Huber GmbH");
  EXPECT_EQ(profile["features"]["asyncTasks"], true);
  EXPECT_EQ(profile["fiscalYearStartDate"], "2024-01-01T00:00:00+01:00");

  const auto requests = simulator().Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/accounting/profile");
}

TEST_F(UntypedDataTest, APassThroughIsSentAsMaesnsJsonAndAnsweredWhole) {
  auto pass = v1::PassThroughService::NewStub(channel());
  v1::PassThroughRequest req;
  req.set_company_id("c1");
  req.set_environment_name("Production");
  v1::ForwardedRequest& fwd = *req.mutable_request();
  fwd.set_path("/companies(c1)/customers");
  fwd.set_method(v1::PASS_THROUGH_METHOD_POST);
  (*fwd.mutable_headers()->mutable_fields())["If-Match"].set_string_value("*");
  (*fwd.mutable_query()->mutable_fields())["$top"].set_number_value(5);
  auto& body = *fwd.mutable_body()->mutable_fields();
  body["displayName"].set_string_value("Bäckerei Huber GmbH");
  body["blocked"].set_bool_value(false);
  body["balance"].set_string_value("1190.00");
  body["note"].set_null_value(google::protobuf::NULL_VALUE);
  v1::PassThroughResponse resp;
  auto ctx = Context();
  grpc::Status s = pass->PassThrough(ctx.get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();

  const auto requests = simulator().Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target,
            "/accounting/passThrough?environmentName=Production&companyId=c1");
  const nlohmann::json sent = nlohmann::json::parse(requests[0].body);
  EXPECT_EQ(sent, nlohmann::json::parse(R"({
    "path": "/companies(c1)/customers",
    "method": "POST",
    "headers": {"If-Match": "*"},
    "query": {"$top": 5},
    "body": {"displayName": "Bäckerei Huber GmbH", "blocked": false,
             "balance": "1190.00", "note": null}})"));

  // The simulator answers with what it stored (the request and an id):
  // every property comes back, none is dropped or retyped.
  nlohmann::json answered = AsJson(resp.result());
  EXPECT_THAT(answered["id"].get<std::string>(), HasSubstr("PT"));
  for (const auto& [key, value] : sent.items()) {
    EXPECT_EQ(answered[key], value) << key;
  }
  EXPECT_EQ(resp.meta().mapping_warnings_size(), 0);
}

TEST_F(UntypedDataTest, APassThroughWithoutPathOrMethodSendsNothing) {
  auto pass = v1::PassThroughService::NewStub(channel());
  v1::PassThroughRequest req;
  req.mutable_request()->set_path("/companies");
  v1::PassThroughResponse resp;
  auto ctx = Context();
  grpc::Status s = pass->PassThrough(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("request.method"));
  EXPECT_TRUE(simulator().Requests().empty());
}

TEST_F(UntypedDataTest, AnEventSubscriptionIsCreatedAndDeleted) {
  auto subscriptions = v1::EventSubscriptionService::NewStub(channel());
  v1::CreateEventSubscriptionRequest req;
  req.set_company_id("c1");
  req.mutable_subscription()->set_event_type("invoice.created");
  req.mutable_subscription()->set_callback_url(
      "https://hooks.example.com/maesn");
  v1::CreateEventSubscriptionResponse created;
  auto ctx = Context();
  grpc::Status s =
      subscriptions->CreateEventSubscription(ctx.get(), req, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const auto requests = simulator().Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/accounting/event-subscriptions?companyId=c1");
  EXPECT_EQ(nlohmann::json::parse(requests[0].body),
            nlohmann::json::parse(R"({"eventType": "invoice.created",
              "callbackUrl": "https://hooks.example.com/maesn"})"));
  const nlohmann::json subscription = AsJson(created.result());
  EXPECT_EQ(subscription["eventType"], "invoice.created");
  const std::string id = subscription["id"].get<std::string>();
  ASSERT_FALSE(id.empty());

  v1::DeleteEventSubscriptionRequest del;
  del.set_event_subscription_id(id);
  del.set_company_id("c1");
  v1::DeleteEventSubscriptionResponse deleted;
  auto ctx2 = Context();
  s = subscriptions->DeleteEventSubscription(ctx2.get(), del, &deleted);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(deleted.result().string_value(), id);
  EXPECT_EQ(deleted.meta().mapping_warnings_size(), 0);

  v1::DeleteEventSubscriptionResponse again;
  auto ctx3 = Context();
  s = subscriptions->DeleteEventSubscription(ctx3.get(), del, &again);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace maesn::testing
