#ifndef MAESN_TESTS_INTEGRATION_GATEWAY_FIXTURE_H_
#define MAESN_TESTS_INTEGRATION_GATEWAY_FIXTURE_H_

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gateway/server/config.h"
#include "gateway/server/server.h"
#include "google/type/date.pb.h"
#include "maesn/accounting/v1/bill.grpc.pb.h"
#include "maesn/accounting/v1/common.pb.h"
#include "maesn/accounting/v1/invoice.grpc.pb.h"
#include "maesn/accounting/v1/task.grpc.pb.h"
#include "simulator.h"

namespace maesn::testing {

namespace v1 = ::maesn::accounting::v1;

// The whole gateway in-process (real gRPC over TCP on 127.0.0.1, port 0)
// against the Maesn simulator over real TLS on loopback, with a certificate
// made at test time and trusted through MAESN_CA_FILE.
class GatewayFixture : public ::testing::Test {
 protected:
  static constexpr const char* kApiKey = "sim-api-key";
  static constexpr const char* kAccountKey = "sim-account-key";

  void SetUp() override;
  void TearDown() override;

  // Config pointing at the simulator; tests may change it before
  // StartGateway().
  gateway::GatewayConfig BaseConfig() const;
  void StartGateway(const gateway::GatewayConfig& config);

  // A client context with credentials and a deadline.
  std::unique_ptr<grpc::ClientContext> Context(
      const std::string& api_key = kApiKey,
      const std::string& account_key = kAccountKey,
      absl::Duration timeout = absl::Seconds(10)) const;

  // Moves the simulator's task on to its end and follows it there with
  // TaskService.WaitTask on `account_key`; returns the task as WaitTask
  // answered it (a failure is a test failure).
  v1::Task FinishTask(const std::string& task_id,
                      const std::string& account_key = kAccountKey);

  // A file part of a multipart body.
  static v1::FilePart File(const std::string& name, const std::string& type,
                           const std::string& bytes);
  // A calendar date.
  static google::type::Date Day(int year, int month, int day);

  sim::MaesnSimulator& simulator() { return *sim_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }

  std::unique_ptr<sim::MaesnSimulator> sim_;
  std::unique_ptr<gateway::GatewayServer> gateway_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::InvoiceService::Stub> invoices_;
  std::unique_ptr<v1::BillService::Stub> bills_;
  std::unique_ptr<v1::TaskService::Stub> tasks_;
};

}  // namespace maesn::testing

#endif  // MAESN_TESTS_INTEGRATION_GATEWAY_FIXTURE_H_
