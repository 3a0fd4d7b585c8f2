// Running in Kubernetes: health and the drain, connection age, metrics,
// the per-RPC log, request ids and trace context, TLS and mTLS on the gRPC
// port, and server reflection with the proto comments.

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "maesn/accounting/v1/task.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "tests/integration/gateway_fixture.h"
#include "tests/testing/fixtures.h"
#include "tls_cert.h"

namespace maesn::testing {
namespace {

using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;
using ::testing::Not;

class CaptureSink : public gateway::LogSink {
 public:
  void Write(absl::string_view line) override {
    absl::MutexLock lock(&mu_);
    lines_.emplace_back(line);
  }
  std::vector<std::string> lines() {
    absl::MutexLock lock(&mu_);
    return lines_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> lines_;
};

std::string Header(const sim::RecordedRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

v1::GetInvoiceRequest Invoice() {
  v1::GetInvoiceRequest req;
  req.set_invoice_id("ABC123");
  return req;
}

class ServingTest : public GatewayFixture {
 protected:
  // Starts the gateway with the log captured.
  void Start(const gateway::GatewayConfig& config) {
    gateway::ServerDependencies deps;
    deps.log_sink = &log_;
    auto server = gateway::GatewayServer::Start(config, std::move(deps));
    ASSERT_TRUE(server.ok()) << server.status();
    gateway_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway_->port()),
                                   grpc::InsecureChannelCredentials());
    invoices_ = v1::InvoiceService::NewStub(channel_);
    health_ = grpc::health::v1::Health::NewStub(channel_);
  }

  HealthCheckResponse::ServingStatus Check(const std::string& service,
                                           grpc::Status* status = nullptr) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(5));
    HealthCheckRequest req;
    req.set_service(service);
    HealthCheckResponse resp;
    grpc::Status s = health_->Check(&ctx, req, &resp);
    if (status != nullptr) *status = s;
    return s.ok() ? resp.status() : HealthCheckResponse::UNKNOWN;
  }

  // Makes the simulator hold every request until Release(); Arrived() is
  // notified when the first one is held. The hook runs under the
  // simulator's lock, so only one request may be held at a time.
  void HoldUpstream() {
    simulator().SetRequestHook([this](const sim::ApiRequest&) {
      if (!arrived_.HasBeenNotified()) arrived_.Notify();
      release_.WaitForNotification();
      return std::optional<sim::ApiResponse>();
    });
  }
  void Release() {
    if (!release_.HasBeenNotified()) release_.Notify();
  }
  void TearDown() override {
    Release();
    health_.reset();
    GatewayFixture::TearDown();
  }

  CaptureSink log_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
  absl::Notification arrived_;
  absl::Notification release_;
};

TEST_F(ServingTest, HealthIsServingForServerAndEachService) {
  Start(BaseConfig());
  EXPECT_EQ(Check(""), HealthCheckResponse::SERVING);
  for (const char* s :
       {"maesn.accounting.v1.InvoiceService", "maesn.accounting.v1.BillService",
        "maesn.accounting.v1.TaskService"}) {
    EXPECT_EQ(Check(s), HealthCheckResponse::SERVING) << s;
  }
  grpc::Status status;
  Check("no.such.Service", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServingTest, DrainTurnsHealthNotServingButKeepsServingCalls) {
  Start(BaseConfig());
  grpc::ClientContext watch_ctx;
  HealthCheckRequest req;
  auto watch = health_->Watch(&watch_ctx, req);
  HealthCheckResponse update;
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::SERVING);

  gateway_->BeginDrain();
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Check(""), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Check("maesn.accounting.v1.InvoiceService"),
            HealthCheckResponse::NOT_SERVING);

  v1::GetInvoiceResponse resp;
  auto ctx = Context();
  EXPECT_TRUE(invoices_->GetInvoice(ctx.get(), Invoice(), &resp).ok());

  // The shutdown ends the watch with UNAVAILABLE instead of waiting for it.
  const absl::Time start = absl::Now();
  gateway_->Shutdown(absl::Now() + absl::Seconds(10));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_FALSE(watch->Read(&update));
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(ServingTest, DrainLetsTheCallInFlightFinishThenRefusesNewOnes) {
  Start(BaseConfig());
  HoldUpstream();
  grpc::Status in_flight;
  v1::GetInvoiceResponse in_flight_resp;
  std::thread caller([&] {
    auto ctx = Context();
    in_flight = invoices_->GetInvoice(ctx.get(), Invoice(), &in_flight_resp);
  });
  arrived_.WaitForNotification();
  grpc::ClientContext watch_ctx;
  auto watch = health_->Watch(&watch_ctx, HealthCheckRequest());
  HealthCheckResponse update;
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::SERVING);
  std::thread drainer(
      [&] { gateway_->Drain(absl::Milliseconds(50), absl::Seconds(10)); });
  // The drain waits for the held call; health says NOT_SERVING meanwhile.
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::NOT_SERVING);
  Release();
  caller.join();
  drainer.join();
  EXPECT_TRUE(in_flight.ok()) << in_flight.error_message();
  EXPECT_EQ(in_flight_resp.invoice().invoice_id(), "ABC123");

  v1::GetInvoiceResponse resp;
  auto ctx = Context();
  EXPECT_EQ(invoices_->GetInvoice(ctx.get(), Invoice(), &resp).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_FALSE(watch->Read(&update));
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(ServingTest, GraceCancelsACallThatRunsTooLong) {
  Start(BaseConfig());
  HoldUpstream();
  grpc::Status in_flight;
  std::thread caller([&] {
    v1::GetInvoiceResponse resp;
    auto ctx = Context();
    in_flight = invoices_->GetInvoice(ctx.get(), Invoice(), &resp);
  });
  arrived_.WaitForNotification();
  const absl::Time start = absl::Now();
  std::thread drainer(
      [&] { gateway_->Drain(absl::ZeroDuration(), absl::Seconds(2)); });
  caller.join();
  const absl::Duration cut_after = absl::Now() - start;
  // gRPC cancels the calls still running at the deadline; the caller gets a
  // status (UNAVAILABLE, or CANCELLED), never a hang.
  EXPECT_THAT(in_flight.error_code(),
              ::testing::AnyOf(grpc::StatusCode::UNAVAILABLE,
                               grpc::StatusCode::CANCELLED));
  // Cancelled before the grace ends (a tenth of it is kept as a margin).
  EXPECT_LT(cut_after, absl::Seconds(2));
  EXPECT_GE(cut_after, absl::Milliseconds(1750));
  Release();  // the worker waiting on Maesn can finish; the drain returns
  drainer.join();
}

TEST_F(ServingTest, MaximumConnectionAgeEndsLongLivedConnections) {
  auto config = BaseConfig();
  config.max_connection_age = absl::Milliseconds(1000);
  config.max_connection_age_grace = absl::Milliseconds(300);
  Start(config);
  HoldUpstream();
  grpc::Status held;
  const absl::Time start = absl::Now();
  std::thread caller([&] {
    v1::GetInvoiceResponse resp;
    auto ctx = Context();
    held = invoices_->GetInvoice(ctx.get(), Invoice(), &resp);
  });
  caller.join();  // returns only because the connection is closed
  Release();
  EXPECT_EQ(held.error_code(), grpc::StatusCode::UNAVAILABLE);
  // Age (with gRPC's +-10% jitter) plus grace.
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(900 + 300));
  // The channel reconnects by itself.
  simulator().SetRequestHook(nullptr);
  v1::GetInvoiceResponse resp;
  auto ctx = Context();
  EXPECT_TRUE(invoices_->GetInvoice(ctx.get(), Invoice(), &resp).ok());
}

TEST_F(ServingTest, MetricsAreServedAndHoldNoCredential) {
  auto config = BaseConfig();
  config.metrics_listen = "127.0.0.1:0";
  Start(config);
  ASSERT_GT(gateway_->metrics_port(), 0);
  // One 503 then success: one retry; then a 404.
  int calls = 0;
  simulator().SetRequestHook([&calls](const sim::ApiRequest&) {
    if (calls++ == 0) {
      sim::ApiResponse r;
      r.status = 503;
      r.body = R"({"error":"busy"})";
      return std::optional<sim::ApiResponse>(r);
    }
    return std::optional<sim::ApiResponse>();
  });
  v1::GetInvoiceResponse resp;
  auto ctx = Context();
  ASSERT_TRUE(invoices_->GetInvoice(ctx.get(), Invoice(), &resp).ok());
  auto missing = Invoice();
  missing.set_invoice_id("NOPE");
  auto ctx2 = Context();
  EXPECT_EQ(invoices_->GetInvoice(ctx2.get(), missing, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);

  httplib::Client client("127.0.0.1", gateway_->metrics_port());
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  const std::string& text = res->body;
  const std::string labels =
      "grpc_method=\"GetInvoice\",grpc_service=\"maesn.accounting.v1."
      "InvoiceService\",grpc_type=\"unary\"";
  EXPECT_THAT(text, HasSubstr("grpc_server_started_total{" + labels + "} 2"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{grpc_code=\"OK\"," +
                              labels + "} 1"));
  EXPECT_THAT(text,
              HasSubstr("grpc_server_handled_total{grpc_code=\"NOT_FOUND\"," +
                        labels + "} 1"));
  EXPECT_THAT(
      text, HasSubstr("grpc_server_handling_seconds_count{" + labels + "} 2"));
  EXPECT_THAT(text, HasSubstr("maesn_upstream_requests_total{http_status="
                              "\"503\",operation=\"getInvoice\"} 1"));
  EXPECT_THAT(text, HasSubstr("maesn_upstream_requests_total{http_status="
                              "\"200\",operation=\"getInvoice\"} 1"));
  EXPECT_THAT(text, HasSubstr("maesn_upstream_requests_total{http_status="
                              "\"404\",operation=\"getInvoice\"} 1"));
  EXPECT_THAT(text, HasSubstr("maesn_upstream_retries_total{operation="
                              "\"getInvoice\"} 1"));
  EXPECT_THAT(text, HasSubstr("maesn_upstream_request_duration_seconds_count{"
                              "http_status=\"200\",operation=\"getInvoice\"}"));
  EXPECT_THAT(text, HasSubstr("maesn_gateway_upstream_calls_limit 4096"));
  EXPECT_THAT(text, HasSubstr("maesn_gateway_upstream_calls 0"));
  EXPECT_THAT(text, Not(HasSubstr(kApiKey)));
  EXPECT_THAT(text, Not(HasSubstr(kAccountKey)));
  EXPECT_THAT(text, Not(HasSubstr("NOPE")));
}

// One call lifecycle for every rpc kind: the log line and the metrics name
// each kind's gRPC type and the log line carries the caller's trace id.
TEST_F(ServingTest, EveryRpcKindIsLoggedAndCountedWithItsTypeAndTraceId) {
  auto config = BaseConfig();
  config.metrics_listen = "127.0.0.1:0";
  Start(config);
  const std::string traceparent =
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto traced = [&] {
    auto ctx = Context();
    ctx->AddMetadata("traceparent", traceparent);
    return ctx;
  };
  sim::TaskScript script;
  script.integration = "datev-duo";
  script.steps.push_back(sim::TaskStep{"SUCCESS", {}, std::nullopt});
  const std::string task = simulator().CreateTask(kAccountKey, script);
  auto tasks = v1::TaskService::NewStub(channel_);

  v1::GetInvoiceResponse resp;
  auto unary = traced();
  ASSERT_TRUE(invoices_->GetInvoice(unary.get(), Invoice(), &resp).ok());
  auto page_stream = traced();
  auto invoices =
      invoices_->StreamInvoices(page_stream.get(), v1::StreamInvoicesRequest{});
  v1::StreamInvoicesResponse invoice;
  while (invoices->Read(&invoice)) {
  }
  ASSERT_TRUE(invoices->Finish().ok());
  v1::WatchTaskRequest watch;
  watch.set_task_id(task);
  auto watch_ctx = traced();
  auto changes = tasks->WatchTask(watch_ctx.get(), watch);
  v1::WatchTaskResponse change;
  while (changes->Read(&change)) {
  }
  ASSERT_TRUE(changes->Finish().ok());
  v1::WaitTaskRequest wait;
  wait.set_task_id(task);
  v1::WaitTaskResponse done;
  auto wait_ctx = traced();
  ASSERT_TRUE(tasks->WaitTask(wait_ctx.get(), wait, &done).ok());

  const std::map<std::string, std::string> want = {
      {"/maesn.accounting.v1.InvoiceService/GetInvoice", "unary"},
      {"/maesn.accounting.v1.InvoiceService/StreamInvoices", "server_stream"},
      {"/maesn.accounting.v1.TaskService/WatchTask", "server_stream"},
      {"/maesn.accounting.v1.TaskService/WaitTask", "unary"}};
  std::map<std::string, std::string> logged;
  for (const std::string& line : log_.lines()) {
    auto j = nlohmann::json::parse(line);
    if (j.value("msg", "") != "rpc") continue;
    const std::string method = j["method"];
    logged[method] = j["grpc_type"];
    EXPECT_EQ(j["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736") << method;
  }
  EXPECT_EQ(logged, want);

  httplib::Client client("127.0.0.1", gateway_->metrics_port());
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res);
  for (const auto& [method, type] : want) {
    const std::string service = method.substr(1, method.find('/', 1) - 1);
    const std::string name = method.substr(method.find('/', 1) + 1);
    EXPECT_THAT(res->body,
                HasSubstr(absl::StrCat("grpc_server_handled_total{grpc_code="
                                       "\"OK\",grpc_method=\"",
                                       name, "\",grpc_service=\"", service,
                                       "\",grpc_type=\"", type, "\"} 1")))
        << method;
  }
}

TEST_F(ServingTest, OneLogLinePerRpcAndRequestIdsAndTraceContextFlow) {
  Start(BaseConfig());
  const std::string traceparent =
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  v1::GetInvoiceResponse resp;
  auto ctx = Context();
  ctx->AddMetadata("x-request-id", "caller-id-1");
  ctx->AddMetadata("traceparent", traceparent);
  ASSERT_TRUE(invoices_->GetInvoice(ctx.get(), Invoice(), &resp).ok());
  auto md = ctx->GetServerInitialMetadata();
  auto it = md.find("x-request-id");
  ASSERT_NE(it, md.end());
  EXPECT_EQ(std::string(it->second.data(), it->second.size()), "caller-id-1");

  // Without one, the gateway makes one up and uses it everywhere. With an
  // error it comes in the trailers (an error stays a trailers-only answer,
  // which a client's retry policy may retry).
  auto ctx2 = Context(kApiKey, "sim-inactive-account");
  EXPECT_EQ(invoices_->GetInvoice(ctx2.get(), Invoice(), &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto md2 = ctx2->GetServerTrailingMetadata();
  auto it2 = md2.find("x-request-id");
  ASSERT_NE(it2, md2.end());
  const std::string made_up(it2->second.data(), it2->second.size());
  EXPECT_EQ(made_up.size(), 32u);

  auto requests = simulator().Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(Header(requests[0], "X-Request-Id"), "caller-id-1");
  EXPECT_EQ(Header(requests[0], "traceparent"), traceparent);
  EXPECT_EQ(Header(requests[1], "X-Request-Id"), made_up);
  EXPECT_EQ(Header(requests[1], "traceparent"), "");

  // Lines are written as calls finish; both have finished.
  auto lines = log_.lines();
  ASSERT_EQ(lines.size(), 2u);
  auto first = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(first["msg"], "rpc");
  EXPECT_EQ(first["level"], "info");
  EXPECT_EQ(first["method"], "/maesn.accounting.v1.InvoiceService/GetInvoice");
  EXPECT_EQ(first["code"], "OK");
  EXPECT_EQ(first["upstream_status"], 200);
  EXPECT_EQ(first["attempts"], 1);
  EXPECT_EQ(first["request_id"], "caller-id-1");
  EXPECT_EQ(first["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_GT(first["duration_ms"].get<double>(), 0.0);
  EXPECT_TRUE(first.contains("time"));
  auto second = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(second["level"], "warn");
  EXPECT_EQ(second["code"], "PERMISSION_DENIED");
  EXPECT_EQ(second["upstream_status"], 403);
  EXPECT_EQ(second["request_id"], made_up);
  EXPECT_FALSE(second["error"].get<std::string>().empty());
  for (const auto& line : lines) {
    EXPECT_THAT(line, Not(HasSubstr(kApiKey)));
    EXPECT_THAT(line, Not(HasSubstr("sim-inactive-account")));
    EXPECT_THAT(line, Not(HasSubstr(kAccountKey)));
  }
}

// --- TLS on the gRPC port ---------------------------------------------------

// A self-signed client certificate (CA:TRUE, extendedKeyUsage clientAuth:
// the server checks the purpose) and its key, as <dir>/client.pem and
// <dir>/client.key. Also the CA the gateway trusts for clients.
sim::TlsFiles MakeClientCert(const std::string& dir) {
  sim::TlsFiles out{dir + "/client.pem", dir + "/client.key"};
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 4242);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("client"),
                             -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  for (auto [nid, value] : std::vector<std::pair<int, const char*>>{
           {NID_basic_constraints, "critical,CA:TRUE"},
           {NID_key_usage, "critical,digitalSignature,keyCertSign"},
           {NID_ext_key_usage, "clientAuth"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert, key, EVP_sha256());
  FILE* f = std::fopen(out.cert_file.c_str(), "w");
  PEM_write_X509(f, cert);
  std::fclose(f);
  f = std::fopen(out.key_file.c_str(), "w");
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

class GatewayTlsTest : public ServingTest {
 protected:
  void SetUp() override {
    ServingTest::SetUp();
    auto server = sim::MakeSelfSignedCert(MakeTempDir());
    ASSERT_TRUE(server.ok());
    server_cert_ = *server;
    client_cert_ = MakeClientCert(MakeTempDir());
    ASSERT_FALSE(ReadAll(client_cert_.cert_file).empty());
  }

  std::shared_ptr<grpc::Channel> TlsChannel(bool with_client_cert) {
    grpc::SslCredentialsOptions o;
    o.pem_root_certs = ReadAll(server_cert_.cert_file);
    if (with_client_cert) {
      o.pem_private_key = ReadAll(client_cert_.key_file);
      o.pem_cert_chain = ReadAll(client_cert_.cert_file);
    }
    // An address, not "localhost": name resolution would go through c-ares
    // (which LeakSanitizer flags); the certificate name is checked anyway.
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    return grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", gateway_->port()), grpc::SslCredentials(o),
        args);
  }

  grpc::StatusCode CallOver(std::shared_ptr<grpc::Channel> channel) {
    auto stub = v1::InvoiceService::NewStub(channel);
    v1::GetInvoiceResponse resp;
    auto ctx = Context(kApiKey, kAccountKey, absl::Seconds(5));
    return stub->GetInvoice(ctx.get(), Invoice(), &resp).error_code();
  }

  sim::TlsFiles server_cert_;
  sim::TlsFiles client_cert_;
};

TEST_F(GatewayTlsTest, TlsServesTrustingClientsOnly) {
  auto config = BaseConfig();
  config.tls_cert_file = server_cert_.cert_file;
  config.tls_key_file = server_cert_.key_file;
  Start(config);
  EXPECT_EQ(CallOver(TlsChannel(false)), grpc::StatusCode::OK);
  EXPECT_EQ(CallOver(channel_), grpc::StatusCode::UNAVAILABLE);  // plaintext
}

TEST_F(GatewayTlsTest, MutualTlsRequiresAClientCertificate) {
  auto config = BaseConfig();
  config.tls_cert_file = server_cert_.cert_file;
  config.tls_key_file = server_cert_.key_file;
  config.tls_client_ca_file = client_cert_.cert_file;
  config.health_listen = "127.0.0.1:0";
  Start(config);
  EXPECT_EQ(CallOver(TlsChannel(true)), grpc::StatusCode::OK);
  EXPECT_EQ(CallOver(TlsChannel(false)), grpc::StatusCode::UNAVAILABLE);

  // The kubelet probes the plaintext health-only listener.
  ASSERT_GT(gateway_->health_port(), 0);
  auto probe =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway_->health_port()),
                          grpc::InsecureChannelCredentials());
  health_ = grpc::health::v1::Health::NewStub(probe);
  EXPECT_EQ(Check(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Check("maesn.accounting.v1.InvoiceService"),
            HealthCheckResponse::SERVING);
  // ... which offers nothing else.
  EXPECT_EQ(CallOver(probe), grpc::StatusCode::UNIMPLEMENTED);
  gateway_->BeginDrain();
  EXPECT_EQ(Check(""), HealthCheckResponse::NOT_SERVING);
}

// --- Reflection
// ---------------------------------------------------------------

// Asks one reflection question over a fresh stream.
template <typename Stub, typename Request, typename Response>
Response Ask(Stub& stub, const Request& req) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto stream = stub.ServerReflectionInfo(&ctx);
  Response resp;
  EXPECT_TRUE(stream->Write(req));
  EXPECT_TRUE(stream->Read(&resp));
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
  return resp;
}

// The leading comment of field `field` of message `message`, from the files
// a reflection answer carried.
template <typename Response>
std::string FieldComment(const Response& resp, const std::string& message,
                         const std::string& field) {
  google::protobuf::DescriptorPool pool;
  std::vector<google::protobuf::FileDescriptorProto> files;
  for (const auto& bytes :
       resp.file_descriptor_response().file_descriptor_proto()) {
    google::protobuf::FileDescriptorProto f;
    EXPECT_TRUE(f.ParseFromString(bytes));
    files.push_back(f);
  }
  // Dependencies first: build until everything is in.
  for (std::size_t round = 0; round < files.size(); ++round) {
    for (const auto& f : files) {
      if (pool.FindFileByName(f.name()) == nullptr) pool.BuildFile(f);
    }
  }
  const auto* m = pool.FindMessageTypeByName(message);
  if (m == nullptr) return "<no message " + message + ">";
  const auto* fd = m->FindFieldByName(field);
  if (fd == nullptr) return "<no field " + field + ">";
  google::protobuf::SourceLocation loc;
  if (!fd->GetSourceLocation(&loc)) return "<no source info>";
  return loc.leading_comments;
}

template <typename Service, typename Request, typename Response>
void CheckReflection(std::shared_ptr<grpc::Channel> channel) {
  auto stub = Service::NewStub(channel);
  Request list;
  list.set_list_services("");
  auto services = Ask<decltype(*stub), Request, Response>(*stub, list);
  std::vector<std::string> names;
  for (const auto& s : services.list_services_response().service()) {
    names.push_back(s.name());
  }
  EXPECT_THAT(
      names,
      ::testing::IsSupersetOf(
          {"maesn.accounting.v1.InvoiceService",
           "maesn.accounting.v1.BillService", "maesn.accounting.v1.TaskService",
           "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
           "grpc.reflection.v1alpha.ServerReflection"}));

  Request by_symbol;
  by_symbol.set_file_containing_symbol("maesn.accounting.v1.InvoiceService");
  auto files = Ask<decltype(*stub), Request, Response>(*stub, by_symbol);
  ASSERT_FALSE(files.has_error_response())
      << files.error_response().error_message();
  EXPECT_THAT(FieldComment(files, "maesn.accounting.v1.GetInvoiceRequest",
                           "invoice_id"),
              Not(::testing::IsEmpty()));
  EXPECT_THAT(FieldComment(files, "maesn.accounting.v1.GetInvoiceRequest",
                           "invoice_id"),
              Not(HasSubstr("<")));

  Request health;
  health.set_file_containing_symbol("grpc.health.v1.Health.Check");
  auto health_files = Ask<decltype(*stub), Request, Response>(*stub, health);
  EXPECT_FALSE(health_files.has_error_response());

  Request unknown;
  unknown.set_file_containing_symbol("no.such.Thing");
  auto err = Ask<decltype(*stub), Request, Response>(*stub, unknown);
  EXPECT_EQ(err.error_response().error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServingTest, ReflectionV1ServesDescriptorsWithComments) {
  Start(BaseConfig());
  CheckReflection<grpc::reflection::v1::ServerReflection,
                  grpc::reflection::v1::ServerReflectionRequest,
                  grpc::reflection::v1::ServerReflectionResponse>(channel_);
}

TEST_F(ServingTest, ReflectionV1AlphaServesDescriptorsWithComments) {
  Start(BaseConfig());
  CheckReflection<grpc::reflection::v1alpha::ServerReflection,
                  grpc::reflection::v1alpha::ServerReflectionRequest,
                  grpc::reflection::v1alpha::ServerReflectionResponse>(
      channel_);
}

}  // namespace
}  // namespace maesn::testing
