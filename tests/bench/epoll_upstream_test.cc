// EpollUpstream over real TLS on loopback: keep-alive, pipelined and split
// requests, request bodies, malformed input, the held latency, many
// connections waiting at once on the one loop thread, injected faults; and
// the Maesn answers and time-driven tasks the benchmarks use.
#include "epoll_upstream.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tls_cert.h"

namespace maesn::bench {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct CtxDeleter {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};

// A blocking TLS client that verifies the server against `ca_file`.
class TlsClient {
 public:
  TlsClient(const std::string& ca_file, int port) {
    ctx_.reset(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_load_verify_locations(ctx_.get(), ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{10, 0};  // a broken server fails the test, not hangs it
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      return;
    }
    ssl_ = SSL_new(ctx_.get());
    SSL_set_fd(ssl_, fd_);
    SSL_set1_host(ssl_, "127.0.0.1");
    connected_ = SSL_connect(ssl_) == 1;
  }
  ~TlsClient() {
    SSL_free(ssl_);
    if (fd_ >= 0) close(fd_);
  }

  bool connected() const { return connected_; }

  bool Send(const std::string& bytes) {
    return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) ==
           static_cast<int>(bytes.size());
  }

  // Reads one response; status -1 when the connection ended first.
  struct Response {
    int status = -1;
    std::string head;
    std::string body;
  };
  Response Read() {
    Response r;
    std::size_t head_end;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return r;
    }
    r.head = buffer_.substr(0, head_end);
    std::size_t length = 0;
    const std::string key = "Content-Length: ";
    const std::size_t at = r.head.find(key);
    if (at == std::string::npos ||
        !absl::SimpleAtoi(
            r.head.substr(at + key.size(),
                          r.head.find("\r\n", at) - at - key.size()),
            &length)) {
      return r;
    }
    while (buffer_.size() < head_end + 4 + length) {
      if (!Fill()) return r;
    }
    r.body = buffer_.substr(head_end + 4, length);
    buffer_.erase(0, head_end + 4 + length);
    if (!absl::SimpleAtoi(r.head.substr(9, 3), &r.status)) r.status = -1;
    return r;
  }

  // True when the server closed the connection (after what was read).
  bool ClosedByServer() {
    char c;
    return SSL_read(ssl_, &c, 1) <= 0;
  }

 private:
  bool Fill() {
    char buf[4096];
    const int n = SSL_read(ssl_, buf, sizeof(buf));
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  std::unique_ptr<SSL_CTX, CtxDeleter> ctx_;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

std::string Get(const std::string& target) {
  return absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
}

class EpollUpstreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat(
               "epoll-upstream-test-", getpid(), "-",
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    auto files = sim::MakeSelfSignedCert(dir_);
    ASSERT_TRUE(files.ok()) << files.status();
    files_ = *files;
  }
  void TearDown() override {
    upstream_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Starts a server whose answer echoes the method, target and body, with
  // `faults` injected.
  void StartEcho(milliseconds latency, UpstreamFaultPlan faults = {}) {
    EpollUpstreamOptions options;
    options.cert_file = files_.cert_file;
    options.key_file = files_.key_file;
    options.latency = latency;
    options.faults = std::move(faults);
    options.handler = [](const UpstreamRequest& request) {
      nlohmann::json echo = {{"method", request.method},
                             {"target", request.target},
                             {"body", request.body},
                             {"host", request.Header("host").value_or("")}};
      UpstreamResponse response;
      response.body = echo.dump();
      response.headers = {{"X-Echo", "1"}};
      return response;
    };
    upstream_ = std::make_unique<EpollUpstream>(options);
    ASSERT_TRUE(upstream_->Start().ok());
    ASSERT_GT(upstream_->port(), 0);
  }

  std::unique_ptr<TlsClient> Connect() {
    auto client =
        std::make_unique<TlsClient>(files_.cert_file, upstream_->port());
    EXPECT_TRUE(client->connected());
    return client;
  }

  static std::string Target(const TlsClient::Response& r) {
    return nlohmann::json::parse(r.body).value("target", "");
  }

  std::filesystem::path dir_;
  sim::TlsFiles files_;
  std::unique_ptr<EpollUpstream> upstream_;
};

TEST_F(EpollUpstreamTest, AnswersOverTlsAndKeepsTheConnection) {
  StartEcho(milliseconds(0));
  auto client = Connect();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client->Send(Get(absl::StrCat("/accounting/invoices/", i))));
    TlsClient::Response r = client->Read();
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.head.find("Content-Type: application/json"), std::string::npos);
    EXPECT_NE(r.head.find("X-Echo: 1"), std::string::npos);
    EXPECT_EQ(Target(r), absl::StrCat("/accounting/invoices/", i));
    EXPECT_EQ(nlohmann::json::parse(r.body)["host"], "127.0.0.1");
  }
  EXPECT_EQ(upstream_->connections_accepted(), 1);
  EXPECT_EQ(upstream_->requests_seen(), 3);
}

TEST_F(EpollUpstreamTest, PipelinedAndSplitRequestsAreAnsweredInOrder) {
  StartEcho(milliseconds(20));
  auto client = Connect();
  // Two requests and the start of a third in one write, the rest later.
  const std::string third = Get("/c?x=1");
  ASSERT_TRUE(client->Send(Get("/a") + Get("/b") + third.substr(0, 7)));
  ASSERT_TRUE(client->Send(third.substr(7, 10)));
  ASSERT_TRUE(client->Send(third.substr(17)));
  EXPECT_EQ(Target(client->Read()), "/a");
  EXPECT_EQ(Target(client->Read()), "/b");
  EXPECT_EQ(Target(client->Read()), "/c?x=1");
}

TEST_F(EpollUpstreamTest, ReadsRequestBodiesByContentLength) {
  StartEcho(milliseconds(0));
  auto client = Connect();
  ASSERT_TRUE(client->Send(
      "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello"));
  ASSERT_TRUE(client->Send(" world" + Get("/after")));
  TlsClient::Response post = client->Read();
  ASSERT_EQ(post.status, 200);
  EXPECT_EQ(nlohmann::json::parse(post.body)["body"], "hello world");
  EXPECT_EQ(nlohmann::json::parse(post.body)["method"], "POST");
  EXPECT_EQ(Target(client->Read()), "/after");
}

TEST_F(EpollUpstreamTest, ConnectionCloseAndMalformedRequestsEndTheConnection) {
  StartEcho(milliseconds(0));
  auto polite = Connect();
  ASSERT_TRUE(polite->Send(
      "GET /bye HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  TlsClient::Response bye = polite->Read();
  EXPECT_EQ(bye.status, 200);
  EXPECT_NE(bye.head.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(polite->ClosedByServer());

  auto rude = Connect();
  ASSERT_TRUE(rude->Send("NONSENSE\r\n\r\n"));
  EXPECT_EQ(rude->Read().status, 400);
  EXPECT_TRUE(rude->ClosedByServer());
  EXPECT_EQ(upstream_->connections_open(), 0);
}

TEST_F(EpollUpstreamTest, HoldsEveryAnswerForTheLatencyWithoutSerializing) {
  const milliseconds latency(200);
  StartEcho(latency);
  constexpr int kConnections = 40;
  std::vector<std::unique_ptr<TlsClient>> clients;
  for (int i = 0; i < kConnections; ++i) clients.push_back(Connect());
  const auto start = Clock::now();
  for (int i = 0; i < kConnections; ++i) {
    ASSERT_TRUE(
        clients[static_cast<std::size_t>(i)]->Send(Get(absl::StrCat("/", i))));
  }
  for (int i = 0; i < kConnections; ++i) {
    TlsClient::Response r = clients[static_cast<std::size_t>(i)]->Read();
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(Target(r), absl::StrCat("/", i));
    // No answer leaves before its latency.
    EXPECT_GE(Clock::now() - start, latency);
  }
  // Held side by side, not one after another (that would take 8 s).
  EXPECT_LT(Clock::now() - start, 20 * latency);
  EXPECT_EQ(upstream_->requests_seen(), kConnections);
  EXPECT_EQ(upstream_->connections_open(), kConnections);
}

TEST_F(EpollUpstreamTest, StopClosesConnectionsAndCanBeRepeated) {
  StartEcho(milliseconds(0));
  auto client = Connect();
  upstream_->Stop();
  EXPECT_TRUE(client->ClosedByServer());
  EXPECT_EQ(upstream_->connections_open(), 0);
  upstream_->Stop();
}

UpstreamFault Replacing(std::string kind, int status, std::string body,
                        std::string content_type) {
  UpstreamFault fault;
  fault.kind = std::move(kind);
  fault.response.emplace();
  fault.response->status = status;
  fault.response->body = std::move(body);
  fault.response->content_type = std::move(content_type);
  return fault;
}

TEST_F(EpollUpstreamTest, AFaultReplacesTheAnswerWithItsStatusTypeAndHeaders) {
  UpstreamFault limited = Replacing(
      "rate_limited", 429, R"({"statusCode":429})", "application/json");
  limited.response->headers = {{"Retry-After", "0"}};
  StartEcho(milliseconds(0), {/*rate=*/1.0, {limited}, /*seed=*/1});
  auto client = Connect();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client->Send(Get("/accounting/invoices/A")));
    TlsClient::Response r = client->Read();
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.body, R"({"statusCode":429})");
    EXPECT_NE(r.head.find("Retry-After: 0"), std::string::npos);
    EXPECT_EQ(r.head.find("X-Echo"), std::string::npos);  // not the handler's
  }
  EXPECT_EQ(upstream_->faults_injected(), 3);
  EXPECT_EQ(upstream_->faults_by_kind(),
            (std::map<std::string, std::int64_t>{{"rate_limited", 3}}));
  // The connection stays usable after a fault.
  EXPECT_EQ(upstream_->connections_accepted(), 1);
}

TEST_F(EpollUpstreamTest, FaultsCarryTheirOwnContentTypeOrNone) {
  UpstreamFault html =
      Replacing("html", 502, "<html><body>Bad</body></html>", "text/html");
  StartEcho(milliseconds(0), {1.0, {html}, 1});
  auto client = Connect();
  ASSERT_TRUE(client->Send(Get("/x")));
  TlsClient::Response r = client->Read();
  EXPECT_EQ(r.status, 502);
  EXPECT_NE(r.head.find("Content-Type: text/html"), std::string::npos);
  EXPECT_EQ(r.head.find("application/json"), std::string::npos);
  EXPECT_EQ(r.body, "<html><body>Bad</body></html>");
  upstream_.reset();

  UpstreamFault bare = Replacing("bare", 500, "", "");
  StartEcho(milliseconds(0), {1.0, {bare}, 1});
  auto second = Connect();
  ASSERT_TRUE(second->Send(Get("/x")));
  r = second->Read();
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.head.find("Content-Type"), std::string::npos);
  EXPECT_NE(r.head.find("Content-Length: 0"), std::string::npos);
}

TEST_F(EpollUpstreamTest, ALateFaultHoldsTheNormalAnswerLonger) {
  const milliseconds extra(150);
  UpstreamFault slow;
  slow.kind = "slow";
  slow.delay = extra;
  StartEcho(milliseconds(0), {1.0, {slow}, 1});
  auto client = Connect();
  const auto start = Clock::now();
  ASSERT_TRUE(client->Send(Get("/late")));
  TlsClient::Response r = client->Read();
  EXPECT_GE(Clock::now() - start, extra);
  ASSERT_EQ(r.status, 200);  // the handler's answer
  EXPECT_EQ(Target(r), "/late");
  EXPECT_EQ(upstream_->faults_by_kind(),
            (std::map<std::string, std::int64_t>{{"slow", 1}}));
}

// The statuses of `n` requests on one connection.
std::vector<int> Statuses(TlsClient& client, int n) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i) {
    if (!client.Send(Get(absl::StrCat("/r", i)))) break;
    out.push_back(client.Read().status);
  }
  return out;
}

TEST_F(EpollUpstreamTest, TheShareOfFaultsFollowsTheRateAndTheSeed) {
  constexpr int kRequests = 400;
  const UpstreamFaultPlan plan{0.25,
                               {Replacing("a", 503, "{}", "application/json"),
                                Replacing("b", 504, "{}", "application/json")},
                               7};
  StartEcho(milliseconds(0), plan);
  auto client = Connect();
  const std::vector<int> first = Statuses(*client, kRequests);
  ASSERT_EQ(first.size(), static_cast<std::size_t>(kRequests));
  int ok = 0;
  int a = 0;
  int b = 0;
  for (int status : first) {
    ok += status == 200;
    a += status == 503;
    b += status == 504;
  }
  EXPECT_EQ(ok + a + b, kRequests);
  EXPECT_EQ(upstream_->faults_injected(), a + b);
  EXPECT_EQ(upstream_->faults_by_kind(),
            (std::map<std::string, std::int64_t>{{"a", a}, {"b", b}}));
  // About a quarter (binomial: mean 100, sd 8.7), from both kinds.
  EXPECT_GT(a + b, 60);
  EXPECT_LT(a + b, 140);
  EXPECT_GT(a, 0);
  EXPECT_GT(b, 0);
  upstream_.reset();

  // The same seed gives the same faults in the same order.
  StartEcho(milliseconds(0), plan);
  auto again = Connect();
  EXPECT_EQ(Statuses(*again, kRequests), first);
}

TEST_F(EpollUpstreamTest, NoFaultsWithoutARateOrAPool) {
  StartEcho(milliseconds(0),
            {0.0, {Replacing("a", 503, "{}", "application/json")}, 1});
  auto client = Connect();
  EXPECT_EQ(Statuses(*client, 50), std::vector<int>(50, 200));
  upstream_.reset();
  StartEcho(milliseconds(0), {1.0, {}, 1});
  auto second = Connect();
  EXPECT_EQ(Statuses(*second, 50), std::vector<int>(50, 200));
  EXPECT_EQ(upstream_->faults_injected(), 0);
}

TEST_F(EpollUpstreamTest, RefusesARateOutsideZeroToOne) {
  EpollUpstreamOptions options;
  options.cert_file = files_.cert_file;
  options.key_file = files_.key_file;
  options.handler = [](const UpstreamRequest&) { return UpstreamResponse{}; };
  options.faults.rate = 1.5;
  EpollUpstream upstream(options);
  EXPECT_EQ(upstream.Bind().code(), absl::StatusCode::kInvalidArgument);
}

TEST(MaesnHandlerTest, AnswersInvoicesAndTasksInTheEnvelope) {
  UpstreamHandler handler =
      MaesnHandler(R"({"meta":{"warnings":[]},"data":{"invoiceId":"X"}})",
                   [](const std::string& id) { return id == "t1" ? 3 : -1; });
  UpstreamRequest invoice{
      "GET", "/accounting/invoices/ABC?companyId=c", {}, ""};
  UpstreamResponse r = handler(invoice);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body)["data"]["invoiceId"], "X");

  r = handler({"GET", "/accounting/asyncTask/t1", {}, ""});
  ASSERT_EQ(r.status, 200);
  nlohmann::json task = nlohmann::json::parse(r.body);
  EXPECT_EQ(task["data"]["status"], "IN_PROGRESS");
  EXPECT_EQ(task["data"]["responseData"]["step"], 3);
  EXPECT_TRUE(task["meta"]["warnings"].is_array());

  EXPECT_EQ(handler({"GET", "/accounting/asyncTask/t2", {}, ""}).status, 404);
  EXPECT_EQ(handler({"GET", "/accounting/invoices/A/lineItems", {}, ""}).status,
            404);
  EXPECT_EQ(handler({"POST", "/accounting/invoices/A", {}, "{}"}).status, 405);
}

TEST(TimedTasksTest, EachTaskStepsAtItsStaggeredTime) {
  const auto origin = Clock::now();
  const TimedTasks tasks(origin, milliseconds(1000), 4);
  EXPECT_EQ(TimedTasks::Id(7), "bench-task-0007");
  EXPECT_EQ(tasks.Index("bench-task-0003"), 3);
  EXPECT_EQ(tasks.Index("bench-task-0004"), -1);
  EXPECT_EQ(tasks.Index("other"), -1);
  EXPECT_EQ(tasks.ChangeTime(0, 1), origin + milliseconds(1000));
  EXPECT_EQ(tasks.ChangeTime(2, 3), origin + milliseconds(3500));
  for (int t = 0; t < 4; ++t) {
    EXPECT_EQ(tasks.StepAt(t, origin), 0);
    for (int k = 1; k < 5; ++k) {
      const auto at = tasks.ChangeTime(t, k);
      EXPECT_EQ(tasks.StepAt(t, at), k);
      EXPECT_EQ(tasks.StepAt(t, at - std::chrono::microseconds(1)), k - 1);
    }
  }
}

}  // namespace
}  // namespace maesn::bench
