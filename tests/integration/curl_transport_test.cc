// CurlTransport against real TLS servers on loopback (the Maesn simulator,
// FaultServer, a scripted keep-alive server and, when installed, nghttpd
// for HTTP/2), with certificates made at test time. Waiting is done on
// notifications; polling (Eventually) is used only to observe a real peer.

#include "gateway/maesn/curl_transport.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "fault_server.h"
#include "gateway/common/errors.h"
#include "simulator.h"
#include "tests/integration/upstream_test_servers.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/status_matchers.h"
#include "tls_cert.h"

namespace maesn::testing {
namespace {

using ::maesn::gateway::AsyncOperation;
using ::maesn::gateway::CallContext;
using ::maesn::gateway::CurlTransport;
using ::maesn::gateway::CurlTransportOptions;
using ::maesn::gateway::ErrorMetadata;
using ::maesn::gateway::ErrorReason;
using ::maesn::gateway::HttpProtocol;
using ::maesn::gateway::HttpRequest;
using ::maesn::gateway::HttpResponse;
using ::testing::HasSubstr;
using ::testing::Not;

// What one Start() ended with.
struct Outcome {
  absl::Notification done;
  absl::StatusOr<HttpResponse> result = absl::UnknownError("pending");
  std::thread::id thread;
  int calls = 0;
};

std::shared_ptr<Outcome> Begin(CurlTransport& transport, HttpRequest request,
                               absl::Time deadline = absl::InfiniteFuture(),
                               std::shared_ptr<AsyncOperation>* op = nullptr) {
  auto outcome = std::make_shared<Outcome>();
  auto started =
      transport.Start(std::move(request), deadline,
                      [outcome](absl::StatusOr<HttpResponse> result) {
                        outcome->thread = std::this_thread::get_id();
                        outcome->result = std::move(result);
                        ++outcome->calls;
                        outcome->done.Notify();
                      });
  if (op != nullptr) *op = std::move(started);
  return outcome;
}

// Waits for `o` (a generous bound: a hung transfer fails the test instead of
// hanging it).
bool Wait(const Outcome& o, absl::Duration timeout = absl::Seconds(20)) {
  return o.done.WaitForNotificationWithTimeout(timeout);
}

HttpRequest Get(std::string target) {
  HttpRequest r;
  r.method = "GET";
  r.target = std::move(target);
  return r;
}

std::string OkResponse(const std::string& connection = "close") {
  const std::string body = R"({"ok":true})";
  return absl::StrCat(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
      "Content-Length: ",
      body.size(), "\r\nConnection: ", connection, "\r\n\r\n", body);
}

// Counts how `expected` transfers ended; Wait() returns once all have.
class Tally {
 public:
  explicit Tally(int expected) : expected_(expected) {}

  void Record(const absl::StatusOr<HttpResponse>& r) {
    absl::MutexLock lock(&mu_);
    if (r.ok() && r->status == 200) {
      ++ok_;
    } else {
      errors_.push_back(r.ok() ? absl::StrCat(r->status)
                               : r.status().ToString());
    }
    if (++finished_ == expected_) all_done_.Notify();
  }
  bool Wait() {
    return all_done_.WaitForNotificationWithTimeout(absl::Seconds(60));
  }
  int ok() const {
    absl::MutexLock lock(&mu_);
    return ok_;
  }
  int finished() const {
    absl::MutexLock lock(&mu_);
    return finished_;
  }
  std::string errors() const {
    absl::MutexLock lock(&mu_);
    return ::testing::PrintToString(errors_);
  }

 private:
  const int expected_;
  mutable absl::Mutex mu_;
  int ok_ ABSL_GUARDED_BY(mu_) = 0;
  int finished_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> errors_ ABSL_GUARDED_BY(mu_);
  absl::Notification all_done_;
};

class CurlTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cert = sim::MakeSelfSignedCert(MakeTempDir());
    ASSERT_TRUE(cert.ok()) << cert.status();
    cert_ = *cert;
  }

  // A FaultServer with our certificate, acting out `behaviour`.
  std::unique_ptr<sim::FaultServer> Faults(sim::FaultBehaviour behaviour,
                                           bool tls = true) {
    sim::FaultServerOptions o;
    if (tls) {
      o.cert_file = cert_.cert_file;
      o.key_file = cert_.key_file;
    }
    auto server = std::make_unique<sim::FaultServer>(o);
    EXPECT_TRUE(server->Start().ok());
    server->SetBehaviour(std::move(behaviour));
    return server;
  }
  static sim::FaultBehaviour Behaviour(sim::Fault fault) {
    sim::FaultBehaviour b;
    b.fault = fault;
    return b;
  }
  static sim::FaultBehaviour Raw(std::string response) {
    sim::FaultBehaviour b;
    b.fault = sim::Fault::kRawResponse;
    b.raw_response = std::move(response);
    return b;
  }

  std::unique_ptr<CurlTransport> Transport(const std::string& base_url,
                                           CurlTransportOptions o = {}) {
    o.base_url = base_url;
    if (o.ca_file.empty()) o.ca_file = cert_.cert_file;
    auto t = CurlTransport::Create(std::move(o));
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? *std::move(t) : nullptr;
  }

  sim::TlsFiles cert_;
};

TEST(CurlTransportOptionsTest, RefusesAnythingButHttpsBaseUrls) {
  for (const char* url :
       {"http://localhost", "ftp://x", "https://", "https://x/path",
        "https://user@x", "https://x:0", "https://x:70000"}) {
    CurlTransportOptions o;
    o.base_url = url;
    EXPECT_THAT(CurlTransport::Create(o),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << url;
  }
}

TEST(CurlTransportOptionsTest, ProxyUrlErrorsNeverRepeatTheUrl) {
  CurlTransportOptions o;
  o.base_url = "https://localhost";
  o.proxy = "socks5://user:s3cret@proxy:1080";
  auto t = CurlTransport::Create(o);
  EXPECT_THAT(t, StatusIs(absl::StatusCode::kInvalidArgument,
                          Not(HasSubstr("s3cret"))));
  o.proxy = "http://user:s3cret@proxy:3128/path";
  EXPECT_THAT(
      CurlTransport::Create(o),
      StatusIs(absl::StatusCode::kInvalidArgument, Not(HasSubstr("s3cret"))));
  o.proxy = "http://user:s3cret@proxy:3128";
  EXPECT_THAT(CurlTransport::Create(o), IsOk());
}

TEST_F(CurlTransportTest, AnswersOnAnEventLoopThreadNeverInline) {
  sim::MaesnSimulator simulator;
  ASSERT_TRUE(simulator.Start().ok());
  CurlTransportOptions o;
  o.ca_file = simulator.ca_file();
  auto transport = Transport(simulator.base_url(), o);
  ASSERT_NE(transport, nullptr);

  auto outcome = Begin(*transport, Get("/_sim/health"));
  ASSERT_TRUE(Wait(*outcome));
  ASSERT_THAT(outcome->result, IsOk());
  EXPECT_EQ(outcome->result->status, 200);
  EXPECT_THAT(outcome->result->body, HasSubstr("ok"));
  EXPECT_THAT(outcome->result->Header("content-type"), HasSubstr("json"));
  EXPECT_NE(outcome->thread, std::this_thread::get_id());
  EXPECT_EQ(outcome->calls, 1);
  EXPECT_EQ(transport->in_flight(), 0);
}

TEST_F(CurlTransportTest, KeepAliveReusesOneConnection) {
  sim::MaesnSimulator simulator;
  ASSERT_TRUE(simulator.Start().ok());
  CurlTransportOptions o;
  o.ca_file = simulator.ca_file();
  auto transport = Transport(simulator.base_url(), o);
  for (int i = 0; i < 5; ++i) {
    auto outcome = Begin(*transport, Get("/_sim/health"));
    ASSERT_TRUE(Wait(*outcome));
    ASSERT_THAT(outcome->result, IsOk());
  }
  EXPECT_EQ(transport->connections_opened(), 1);
  EXPECT_EQ(transport->open_connections(HttpProtocol::kHttp1), 1);
  EXPECT_EQ(transport->open_connections(HttpProtocol::kHttp2), 0);
}

TEST_F(CurlTransportTest, TwoHundredConcurrentTransfersOnOneLoopAllComplete) {
  auto server = Faults(Raw(OkResponse()));
  CurlTransportOptions o;
  o.event_loops = 1;
  auto transport = Transport(server->base_url(), o);
  ASSERT_EQ(transport->event_loops(), 1);

  constexpr int kTransfers = 200;
  Tally tally(kTransfers);
  std::vector<std::shared_ptr<AsyncOperation>> ops;
  for (int i = 0; i < kTransfers; ++i) {
    ops.push_back(transport->Start(
        Get(absl::StrCat("/item/", i)), absl::Now() + absl::Seconds(30),
        [&](absl::StatusOr<HttpResponse> r) { tally.Record(r); }));
  }
  ASSERT_TRUE(tally.Wait());
  EXPECT_EQ(tally.ok(), kTransfers) << tally.errors();
  EXPECT_EQ(transport->in_flight(), 0);
  EXPECT_EQ(server->RequestHeads().size(), static_cast<size_t>(kTransfers));
}

// Start() writes the request on the caller's thread when the loop is idle
// and queues it to the loop when the loop is busy; callbacks start more
// requests from the loop thread. Whichever way each one went, every
// transfer ends exactly once, on the loop.
TEST_F(CurlTransportTest, StartsFromManyThreadsAndFromCallbacksEndOnce) {
  auto server = Faults(Raw(OkResponse()));
  CurlTransportOptions o;
  o.event_loops = 1;
  auto transport = Transport(server->base_url(), o);
  ASSERT_NE(transport, nullptr);

  constexpr int kThreads = 4;
  constexpr int kPerThread = 40;
  constexpr int kTotal = kThreads * kPerThread * 2;  // each starts one more
  Tally tally(kTotal);
  absl::Mutex mu;
  int on_a_caller_thread = 0;
  std::set<std::thread::id> callers;
  std::function<void(bool)> start = [&](bool follow_up) {
    transport->Start(Get("/x"), absl::Now() + absl::Seconds(30),
                     [&, follow_up](absl::StatusOr<HttpResponse> r) {
                       if (follow_up) start(false);
                       {
                         absl::MutexLock lock(&mu);
                         if (callers.count(std::this_thread::get_id()) > 0) {
                           ++on_a_caller_thread;
                         }
                       }
                       tally.Record(r);
                     });
  };
  std::vector<std::thread> threads;
  absl::Notification go;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      {
        absl::MutexLock lock(&mu);
        callers.insert(std::this_thread::get_id());
      }
      go.WaitForNotification();
      for (int i = 0; i < kPerThread; ++i) start(true);
    });
  }
  go.Notify();
  for (auto& t : threads) t.join();
  ASSERT_TRUE(tally.Wait());
  EXPECT_EQ(tally.ok(), kTotal) << tally.errors();
  EXPECT_EQ(tally.finished(), kTotal);
  absl::MutexLock lock(&mu);
  EXPECT_EQ(on_a_caller_thread, 0);
  EXPECT_EQ(transport->in_flight(), 0);
  EXPECT_EQ(server->RequestHeads().size(), static_cast<size_t>(kTotal));
}

TEST_F(CurlTransportTest, CancelAbortsAtOnceAndHangsUp) {
  auto server = Faults(Behaviour(sim::Fault::kNoAnswer));
  auto transport = Transport(server->base_url());
  std::shared_ptr<AsyncOperation> op;
  auto outcome = Begin(*transport, Get("/slow"), absl::InfiniteFuture(), &op);
  ASSERT_TRUE(Eventually([&] { return !server->RequestHeads().empty(); }));
  EXPECT_EQ(transport->in_flight(), 1);

  const absl::Time cancelled = absl::Now();
  op->Cancel();
  ASSERT_TRUE(Wait(*outcome));
  EXPECT_LT(absl::Now() - cancelled, absl::Milliseconds(500));
  EXPECT_THAT(outcome->result, StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(ErrorMetadata(outcome->result.status(), "request_sent"), "true");
  op->Cancel();  // a second Cancel() changes nothing
  EXPECT_TRUE(
      Eventually([&] { return server->finished() == 1; }, absl::Seconds(2)));
  EXPECT_EQ(outcome->calls, 1);
  EXPECT_EQ(transport->in_flight(), 0);
}

TEST_F(CurlTransportTest, CancelRightAfterStartEndsOnceWithCancelled) {
  auto server = Faults(Behaviour(sim::Fault::kNoAnswer));
  auto transport = Transport(server->base_url());
  std::shared_ptr<AsyncOperation> op;
  auto outcome = Begin(*transport, Get("/x"), absl::InfiniteFuture(), &op);
  op->Cancel();
  ASSERT_TRUE(Wait(*outcome));
  EXPECT_THAT(outcome->result, StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(outcome->calls, 1);
}

TEST_F(CurlTransportTest, CallersDeadlineEndsTheTransferWithoutAReason) {
  auto server = Faults(Behaviour(sim::Fault::kNoAnswer));
  auto transport = Transport(server->base_url());
  const absl::Time start = absl::Now();
  auto outcome = Begin(*transport, Get("/x"), start + absl::Milliseconds(300));
  ASSERT_TRUE(Wait(*outcome));
  EXPECT_THAT(outcome->result, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(ErrorReason(outcome->result.status()), "");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(290));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_TRUE(
      Eventually([&] { return server->finished() == 1; }, absl::Seconds(2)));
}

TEST_F(CurlTransportTest, ADeadlineAlreadyPassedNeverSends) {
  auto server = Faults(Raw(OkResponse()));
  auto transport = Transport(server->base_url());
  auto outcome = Begin(*transport, Get("/x"), absl::Now() - absl::Seconds(1));
  ASSERT_TRUE(Wait(*outcome));
  EXPECT_THAT(outcome->result, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(ErrorMetadata(outcome->result.status(), "request_sent"), "false");
  EXPECT_EQ(server->connections(), 0);
  // Decided while Start() ran, but answered on the loop all the same.
  EXPECT_NE(outcome->thread, std::this_thread::get_id());
  EXPECT_EQ(outcome->calls, 1);
}

TEST_F(CurlTransportTest, TrickleBeyondTheAttemptBudgetIsUpstreamTimeout) {
  auto server = Faults(Behaviour(sim::Fault::kTrickleBody));
  CurlTransportOptions o;
  o.connect_timeout = absl::Milliseconds(200);
  o.read_timeout = absl::Milliseconds(300);
  auto transport = Transport(server->base_url(), o);
  const absl::Time start = absl::Now();
  auto outcome = Begin(*transport, Get("/x"), start + absl::Seconds(10));
  ASSERT_TRUE(Wait(*outcome));
  EXPECT_THAT(outcome->result, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(ErrorReason(outcome->result.status()), "UPSTREAM_TIMEOUT");
  EXPECT_EQ(ErrorMetadata(outcome->result.status(), "request_sent"), "true");
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(CurlTransportTest, ResponseOverTheCapIsRefusedWhileArriving) {
  auto server = Faults(Behaviour(sim::Fault::kEndlessBody));
  CurlTransportOptions o;
  o.max_response_bytes = 1 << 20;
  auto transport = Transport(server->base_url(), o);
  auto outcome = Begin(*transport, Get("/x"), absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(Wait(*outcome));
  EXPECT_THAT(outcome->result, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(ErrorReason(outcome->result.status()),
            "UPSTREAM_RESPONSE_TOO_LARGE");
  EXPECT_TRUE(Eventually([&] { return server->finished() == 1; }));
  EXPECT_LT(server->bytes_sent(), 16 << 20);
}

TEST_F(CurlTransportTest, RedirectIsReturnedNeverFollowed) {
  auto other = Faults(Raw(OkResponse()));
  auto server = Faults(Raw(absl::StrCat(
      "HTTP/1.1 302 Found\r\nLocation: ", other->base_url(),
      "/elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")));
  auto transport = Transport(server->base_url());
  auto outcome = Begin(*transport, Get("/x"));
  ASSERT_TRUE(Wait(*outcome));
  ASSERT_THAT(outcome->result, IsOk());
  EXPECT_EQ(outcome->result->status, 302);
  EXPECT_EQ(other->connections(), 0);
}

TEST_F(CurlTransportTest, UntrustedCertificateIsRefused) {
  auto server = Faults(Raw(OkResponse()));
  auto other = sim::MakeSelfSignedCert(MakeTempDir());
  ASSERT_TRUE(other.ok());
  CurlTransportOptions o;
  o.ca_file = other->cert_file;
  auto transport = Transport(server->base_url(), o);
  auto outcome = Begin(*transport, Get("/x"));
  ASSERT_TRUE(Wait(*outcome));
  EXPECT_THAT(outcome->result, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(ErrorReason(outcome->result.status()),
            "UPSTREAM_TLS_VERIFICATION_FAILED");
  EXPECT_EQ(ErrorMetadata(outcome->result.status(), "request_sent"), "false");
  EXPECT_TRUE(server->RequestHeads().empty());
}

TEST_F(CurlTransportTest, SystemTrustStoreDoesNotTrustATestCertificate) {
  auto server = Faults(Raw(OkResponse()));
  CurlTransportOptions o;
  o.base_url = server->base_url();  // no ca_file: the system store
  auto transport = CurlTransport::Create(o);
  ASSERT_TRUE(transport.ok());
  auto outcome = Begin(**transport, Get("/x"));
  ASSERT_TRUE(Wait(*outcome));
  EXPECT_EQ(ErrorReason(outcome->result.status()),
            "UPSTREAM_TLS_VERIFICATION_FAILED");
}

TEST_F(CurlTransportTest, PlainHttpPeerIsATlsFailureNeverAFallback) {
  auto server = Faults(Raw(OkResponse()), /*tls=*/false);
  auto transport = Transport(server->base_url());
  auto outcome = Begin(*transport, Get("/x"));
  ASSERT_TRUE(Wait(*outcome));
  EXPECT_THAT(outcome->result, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(ErrorReason(outcome->result.status()), "UPSTREAM_TLS_FAILED");
  EXPECT_TRUE(server->RequestHeads().empty());
}

TEST_F(CurlTransportTest, RefusedConnectionIsUnavailableNotSent) {
  std::string url;
  {
    auto closed = Faults(Raw(OkResponse()));
    url = closed->base_url();
  }
  auto transport = Transport(url);
  auto outcome = Begin(*transport, Get("/x"));
  ASSERT_TRUE(Wait(*outcome));
  EXPECT_THAT(outcome->result, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(ErrorReason(outcome->result.status()), "UPSTREAM_UNAVAILABLE");
  EXPECT_EQ(ErrorMetadata(outcome->result.status(), "request_sent"), "false");
}

TEST_F(CurlTransportTest, HeaderWithALineBreakIsRefusedBeforeSending) {
  auto server = Faults(Raw(OkResponse()));
  auto transport = Transport(server->base_url());
  HttpRequest r = Get("/x");
  r.headers.emplace_back("X-Request-Id", "a\r\nX-Evil: 1");
  auto outcome = Begin(*transport, r);
  ASSERT_TRUE(Wait(*outcome));
  EXPECT_THAT(outcome->result, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(server->connections(), 0);
}

TEST_F(CurlTransportTest, SendsMethodHeadersAndBodyAsGiven) {
  std::vector<ScriptedTlsServer::Request> seen;
  ScriptedTlsServer server(cert_.cert_file, cert_.key_file, [](const auto&) {
    return ScriptedTlsServer::Response(201, R"({"data":{}})");
  });
  ASSERT_TRUE(server.Start().ok());
  auto transport = Transport(absl::StrCat("https://localhost:", server.port()));
  for (const char* method : {"POST", "PUT", "PATCH"}) {
    HttpRequest r;
    r.method = method;
    r.target = "/accounting/./invoices/..%2F?companyId=a%2Fb";
    r.headers = {{"X-API-KEY", "k1"},
                 {"X-ACCOUNT-KEY", "k2"},
                 {"Content-Type", "application/json"},
                 {"X-Empty", ""}};
    r.body = std::string(100000, 'x');
    auto outcome = Begin(*transport, r);
    ASSERT_TRUE(Wait(*outcome));
    ASSERT_THAT(outcome->result, IsOk());
    EXPECT_EQ(outcome->result->status, 201);
  }
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& r : requests) {
    // Byte for byte: no dot-segment squashing, no re-encoding.
    EXPECT_THAT(r.head,
                HasSubstr(" /accounting/./invoices/..%2F?companyId=a%2Fb "));
    EXPECT_THAT(r.head, HasSubstr("X-API-KEY: k1\r\n"));
    EXPECT_THAT(r.head, HasSubstr("X-Empty:"));
    EXPECT_THAT(r.head, HasSubstr("User-Agent: maesn-gateway/"));
    EXPECT_THAT(r.head, Not(HasSubstr("Expect:")));
    EXPECT_EQ(r.body, std::string(100000, 'x'));
  }
  EXPECT_TRUE(absl::StartsWith(requests[0].head, "POST "));
  EXPECT_TRUE(absl::StartsWith(requests[1].head, "PUT "));
  EXPECT_TRUE(absl::StartsWith(requests[2].head, "PATCH "));
  // Writes with a body reuse the keep-alive connection.
  EXPECT_EQ(server.connections(), 1);
}

// The duplicate-write guard: a reused connection that dies after a write
// arrived must not make libcurl send the write again.
TEST_F(CurlTransportTest, AWriteIsNeverSentTwiceWhenAReusedConnectionDies) {
  ScriptedTlsServer server(
      cert_.cert_file, cert_.key_file,
      [](const ScriptedTlsServer::Request& r) -> std::optional<std::string> {
        if (absl::StartsWith(r.head, "POST ")) return std::nullopt;  // RST
        return ScriptedTlsServer::Response(200, "{}");
      });
  ASSERT_TRUE(server.Start().ok());
  auto transport = Transport(absl::StrCat("https://localhost:", server.port()));
  auto first = Begin(*transport, Get("/warm-up"));
  ASSERT_TRUE(Wait(*first));
  ASSERT_THAT(first->result, IsOk());

  HttpRequest post;
  post.method = "POST";
  post.target = "/accounting/invoices";
  post.headers = {{"Content-Type", "application/json"}};
  post.body = R"({"invoiceNumber":"1"})";
  auto outcome = Begin(*transport, post);
  ASSERT_TRUE(Wait(*outcome));
  EXPECT_THAT(outcome->result, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(ErrorMetadata(outcome->result.status(), "request_sent"), "true");
  int posts = 0;
  for (const auto& r : server.requests()) {
    posts += absl::StartsWith(r.head, "POST ") ? 1 : 0;
  }
  EXPECT_EQ(posts, 1);
}

TEST_F(CurlTransportTest, ABodylessWriteGoesOverAFreshConnection) {
  ScriptedTlsServer server(cert_.cert_file, cert_.key_file, [](const auto&) {
    return ScriptedTlsServer::Response(200, "{}");
  });
  ASSERT_TRUE(server.Start().ok());
  auto transport = Transport(absl::StrCat("https://localhost:", server.port()));
  auto first = Begin(*transport, Get("/warm-up"));
  ASSERT_TRUE(Wait(*first));
  HttpRequest del;
  del.method = "DELETE";
  del.target = "/accounting/bills/1";
  auto outcome = Begin(*transport, del);
  ASSERT_TRUE(Wait(*outcome));
  ASSERT_THAT(outcome->result, IsOk());
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_TRUE(absl::StartsWith(server.requests()[1].head, "DELETE "));
  EXPECT_EQ(server.requests()[1].connection, 1);
  // That connection is closed after the write, not pooled: the next read
  // goes over the first connection again, the only one open.
  EXPECT_EQ(transport->open_connections(HttpProtocol::kHttp1), 1);
  auto after = Begin(*transport, Get("/after"));
  ASSERT_TRUE(Wait(*after));
  ASSERT_THAT(after->result, IsOk());
  ASSERT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(server.requests()[2].connection, 0);
  EXPECT_EQ(transport->connections_opened(), 2);
}

TEST_F(CurlTransportTest, BlockingSendCancelsWhenTheCallerGoesAway) {
  auto server = Faults(Behaviour(sim::Fault::kNoAnswer));
  CurlTransportOptions o;
  o.cancel_poll_interval = absl::Milliseconds(5);
  auto transport = Transport(server->base_url(), o);
  std::atomic<bool> gone{false};
  CallContext context;
  context.is_cancelled = [&gone] { return gone.load(); };
  std::thread caller_goes_away([&] {
    ASSERT_TRUE(Eventually([&] { return !server->RequestHeads().empty(); }));
    gone = true;
  });
  auto result = transport->Send(Get("/x"), context);
  caller_goes_away.join();
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(context.stats.attempts, 1);
}

TEST_F(CurlTransportTest, BlockingSendCountsTheAttemptAndStatus) {
  auto server = Faults(Raw(OkResponse()));
  auto transport = Transport(server->base_url());
  CallContext context;
  context.deadline = absl::Now() + absl::Seconds(10);
  auto result = transport->Send(Get("/x"), context);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(context.stats.attempts, 1);
  EXPECT_EQ(context.stats.upstream_status, 200);
}

TEST_F(CurlTransportTest, TimersFireInOrderOnTheLoopAndCanBeCancelled) {
  auto transport = Transport("https://localhost:1");
  absl::Mutex mu;
  std::vector<std::string> fired;
  absl::Notification last;
  const std::thread::id test_thread = std::this_thread::get_id();
  auto record = [&](std::string name) {
    return [&, name](absl::Status s) {
      absl::MutexLock lock(&mu);
      EXPECT_NE(std::this_thread::get_id(), test_thread);
      fired.push_back(s.ok() ? name : name + ":cancelled");
      if (name == "late") last.Notify();
    };
  };
  const absl::Time start = absl::Now();
  transport->RunAfter(absl::Milliseconds(150), record("late"));
  auto cancelled = transport->RunAfter(absl::Seconds(30), record("never"));
  transport->RunAfter(absl::Milliseconds(50), record("early"));
  transport->RunAfter(absl::ZeroDuration(), record("now"));
  cancelled->Cancel();
  ASSERT_TRUE(last.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(150));
  absl::MutexLock lock(&mu);
  // The cancelled one ends at once (before or after "now"); the others in
  // the order of their delays.
  EXPECT_THAT(fired, ::testing::UnorderedElementsAre("now", "never:cancelled",
                                                     "early", "late"));
  fired.erase(std::remove(fired.begin(), fired.end(), "never:cancelled"),
              fired.end());
  EXPECT_THAT(fired, ::testing::ElementsAre("now", "early", "late"));
}

TEST_F(CurlTransportTest, DestructionCancelsTransfersAndTimers) {
  auto server = Faults(Behaviour(sim::Fault::kNoAnswer));
  auto transport = Transport(server->base_url());
  auto outcome = Begin(*transport, Get("/x"));
  absl::Notification timer_done;
  absl::Status timer_status;
  transport->RunAfter(absl::Hours(1), [&](absl::Status s) {
    timer_status = s;
    timer_done.Notify();
  });
  ASSERT_TRUE(Eventually([&] { return !server->RequestHeads().empty(); }));
  transport.reset();
  // Both callbacks ran before the destructor returned.
  ASSERT_TRUE(outcome->done.HasBeenNotified());
  ASSERT_TRUE(timer_done.HasBeenNotified());
  EXPECT_THAT(outcome->result, StatusIs(absl::StatusCode::kCancelled));
  EXPECT_THAT(timer_status, StatusIs(absl::StatusCode::kCancelled));
}

// --- HTTP/2 through nghttpd (nghttp2-server), when installed -------------

// The port a process listens on, from /proc (nghttpd binds port 0 and does
// not print the port it got).
int ListeningPort(pid_t pid) {
  std::set<std::string> inodes;
  const std::string fd_dir = absl::StrCat("/proc/", pid, "/fd/");
  for (int fd = 0; fd < 256; ++fd) {
    char target[256];
    const ssize_t n = ::readlink(absl::StrCat(fd_dir, fd).c_str(), target,
                                 sizeof(target) - 1);
    if (n <= 0) continue;
    absl::string_view t(target, static_cast<size_t>(n));
    if (absl::ConsumePrefix(&t, "socket:[") && absl::ConsumeSuffix(&t, "]")) {
      inodes.insert(std::string(t));
    }
  }
  std::ifstream tcp(absl::StrCat("/proc/", pid, "/net/tcp"));
  std::string line;
  while (std::getline(tcp, line)) {
    std::vector<std::string> f =
        absl::StrSplit(line, ' ', absl::SkipWhitespace());
    // local_address is f[1] ("0100007F:A4B7"), st f[3] ("0A" = LISTEN),
    // inode f[9].
    if (f.size() > 9 && f[3] == "0A" && inodes.count(f[9]) > 0) {
      int port = 0;
      if (absl::SimpleHexAtoi(f[1].substr(f[1].find(':') + 1), &port)) {
        return port;
      }
    }
  }
  return 0;
}

class Nghttpd {
 public:
  // Serves `dir` over TLS on a free loopback port; port() is 0 on failure.
  Nghttpd(const std::string& dir, const sim::TlsFiles& cert) {
    int out[2];
    if (::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, STDERR_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      ::execlp("nghttpd", "nghttpd", "-v", "-a", "127.0.0.1", "-d", dir.c_str(),
               "0", cert.key_file.c_str(), cert.cert_file.c_str(),
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    // "-v" prints "IPv4: listen ..." once listening, then a line per frame:
    // read up to that line, then keep draining so that it never blocks.
    std::string seen;
    char buf[4096];
    ssize_t n;
    while (!absl::StrContains(seen, "listen") &&
           (n = ::read(out[0], buf, sizeof(buf))) > 0) {
      seen.append(buf, static_cast<size_t>(n));
    }
    if (absl::StrContains(seen, "listen")) port_ = ListeningPort(pid_);
    drain_ = std::thread([fd = out[0]] {
      char b[4096];
      while (::read(fd, b, sizeof(b)) > 0) {
      }
      ::close(fd);
    });
  }
  ~Nghttpd() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    if (drain_.joinable()) drain_.join();
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::thread drain_;
};

bool HaveNghttpd() { return std::system("command -v nghttpd >/dev/null") == 0; }

TEST_F(CurlTransportTest, Http2MultiplexesParallelRequestsOnOneConnection) {
  if (!HaveNghttpd()) {
    GTEST_SKIP() << "nghttpd (Debian nghttp2-server) is not installed";
  }
  const std::string dir = MakeTempDir();
  std::ofstream(dir + "/invoice.json") << R"({"data":{"invoiceId":"A"}})";
  Nghttpd server(dir, cert_);
  ASSERT_NE(server.port(), 0);
  auto transport = Transport(absl::StrCat("https://localhost:", server.port()));

  constexpr int kParallel = 20;
  std::vector<std::shared_ptr<Outcome>> outcomes;
  for (int i = 0; i < kParallel; ++i) {
    outcomes.push_back(Begin(*transport, Get("/invoice.json"),
                             absl::Now() + absl::Seconds(20)));
  }
  for (const auto& o : outcomes) {
    ASSERT_TRUE(Wait(*o));
    ASSERT_THAT(o->result, IsOk());
    EXPECT_EQ(o->result->status, 200);
    EXPECT_THAT(o->result->body, HasSubstr("invoiceId"));
  }
  EXPECT_EQ(transport->connections_opened(), 1);
  EXPECT_EQ(transport->open_connections(HttpProtocol::kHttp2), 1);
  EXPECT_EQ(transport->open_connections(HttpProtocol::kHttp1), 0);
  transport.reset();
}

}  // namespace
}  // namespace maesn::testing
