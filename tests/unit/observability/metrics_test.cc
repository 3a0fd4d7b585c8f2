#include "gateway/observability/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/status_matchers.h"

namespace maesn::gateway {
namespace {

using ::maesn::testing::IsOk;
using ::maesn::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

RpcRecord Rpc(absl::StatusCode code, absl::Duration d) {
  RpcRecord r;
  r.method = "/maesn.accounting.v1.InvoiceService/GetInvoice";
  r.code = code;
  r.duration = d;
  return r;
}

TEST(MetricsTest, CountsRpcsByServiceMethodAndCode) {
  Metrics m;
  m.OnRpcStart(Rpc(absl::StatusCode::kOk, absl::ZeroDuration()));
  m.OnRpcStart(Rpc(absl::StatusCode::kOk, absl::ZeroDuration()));
  m.OnRpcEnd(Rpc(absl::StatusCode::kOk, absl::Milliseconds(30)));
  m.OnRpcEnd(Rpc(absl::StatusCode::kNotFound, absl::Milliseconds(300)));
  const std::string text = m.TextExposition();
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
  EXPECT_THAT(text, HasSubstr("grpc_server_handling_seconds_bucket{" + labels +
                              ",le=\"0.05\"} 1"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handling_seconds_bucket{" + labels +
                              ",le=\"0.5\"} 2"));
  EXPECT_THAT(text, HasSubstr("# TYPE grpc_server_handling_seconds histogram"));
}

TEST(MetricsTest, CountsUpstreamRequestsRetriesAndLatency) {
  Metrics m;
  m.OnUpstreamAttempt("getInvoice", 503, absl::Milliseconds(20));
  m.OnUpstreamRetry("getInvoice");
  m.OnUpstreamAttempt("getInvoice", 200, absl::Milliseconds(40));
  m.OnUpstreamAttempt("getBill", 0, absl::Seconds(5));
  const std::string text = m.TextExposition();
  EXPECT_THAT(text, HasSubstr("maesn_upstream_requests_total{http_status="
                              "\"503\",operation=\"getInvoice\"} 1"));
  EXPECT_THAT(text, HasSubstr("maesn_upstream_requests_total{http_status="
                              "\"200\",operation=\"getInvoice\"} 1"));
  EXPECT_THAT(text, HasSubstr("maesn_upstream_requests_total{http_status="
                              "\"none\",operation=\"getBill\"} 1"));
  EXPECT_THAT(text, HasSubstr("maesn_upstream_retries_total{operation="
                              "\"getInvoice\"} 1"));
  EXPECT_THAT(text, HasSubstr("maesn_upstream_request_duration_seconds_count{"
                              "http_status=\"200\",operation=\"getInvoice\"} "
                              "1"));
}

// Series are looked up once per method, status code and upstream status,
// then reused: counts from many threads, each mixing codes, add up exactly.
TEST(MetricsTest, ConcurrentCallsAddUpInTheirSeries) {
  Metrics m;
  constexpr int kThreads = 8, kCalls = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&m] {
      for (int i = 0; i < kCalls; ++i) {
        const auto code =
            i % 2 == 0 ? absl::StatusCode::kOk : absl::StatusCode::kUnavailable;
        m.OnRpcStart(Rpc(code, absl::ZeroDuration()));
        m.OnUpstreamAttempt("getInvoice", i % 2 == 0 ? 200 : 503,
                            absl::Milliseconds(1));
        m.OnRpcEnd(Rpc(code, absl::Milliseconds(2)));
      }
    });
  }
  for (auto& t : threads) t.join();
  const std::string text = m.TextExposition();
  const std::string labels =
      "grpc_method=\"GetInvoice\",grpc_service=\"maesn.accounting.v1."
      "InvoiceService\",grpc_type=\"unary\"";
  const int half = kThreads * kCalls / 2;
  EXPECT_THAT(text, HasSubstr("grpc_server_started_total{" + labels + "} " +
                              std::to_string(2 * half)));
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{grpc_code=\"OK\"," +
                              labels + "} " + std::to_string(half)));
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{grpc_code="
                              "\"UNAVAILABLE\"," +
                              labels + "} " + std::to_string(half)));
  EXPECT_THAT(text, HasSubstr("grpc_server_handling_seconds_count{" + labels +
                              "} " + std::to_string(2 * half)));
  EXPECT_THAT(text, HasSubstr("maesn_upstream_requests_total{http_status="
                              "\"503\",operation=\"getInvoice\"} " +
                              std::to_string(half)));
  EXPECT_THAT(text, HasSubstr("maesn_upstream_request_duration_seconds_count{"
                              "http_status=\"200\",operation=\"getInvoice\"} " +
                              std::to_string(half)));
}

TEST(MetricsTest, AMethodSeenWithAnotherRpcTypeKeepsBothSeries) {
  Metrics m;
  RpcRecord stream = Rpc(absl::StatusCode::kOk, absl::ZeroDuration());
  stream.grpc_type = "server_stream";
  m.OnRpcStart(Rpc(absl::StatusCode::kOk, absl::ZeroDuration()));
  m.OnRpcStart(stream);
  m.OnRpcStart(stream);
  m.OnRpcEnd(stream);
  const std::string text = m.TextExposition();
  const std::string method =
      "grpc_method=\"GetInvoice\",grpc_service=\"maesn.accounting.v1."
      "InvoiceService\"";
  EXPECT_THAT(text, HasSubstr("grpc_server_started_total{" + method +
                              ",grpc_type=\"unary\"} 1"));
  EXPECT_THAT(text, HasSubstr("grpc_server_started_total{" + method +
                              ",grpc_type=\"server_stream\"} 2"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{grpc_code=\"OK\"," +
                              method + ",grpc_type=\"server_stream\"} 1"));
}

TEST(MetricsTest, CallbackValuesAreReadAtScrapeTime) {
  Metrics m;
  std::atomic<int> open{3};
  m.RegisterGauge("maesn_watch_streams_open", "Open watch streams.",
                  [&open] { return open.load(); });
  m.RegisterCounter("maesn_watch_polls_total", "Polls.", [] { return 7.0; });
  EXPECT_THAT(m.TextExposition(), HasSubstr("maesn_watch_streams_open 3"));
  open = 5;
  std::string text = m.TextExposition();
  EXPECT_THAT(text, HasSubstr("maesn_watch_streams_open 5"));
  EXPECT_THAT(text, HasSubstr("# TYPE maesn_watch_polls_total counter"));
  EXPECT_THAT(text, HasSubstr("maesn_watch_polls_total 7"));
  m.Unregister("maesn_watch_streams_open");
  EXPECT_THAT(m.TextExposition(), Not(HasSubstr("maesn_watch_streams_open")));
}

TEST(MetricsTest, LabelledCallbackGaugeHasOneSeriesPerLabelValue) {
  Metrics m;
  std::atomic<int> h2{1};
  m.RegisterGauge(
      "maesn_upstream_connections", "Open connections.", "protocol",
      {{"h1", [] { return 2.0; }}, {"h2", [&h2] { return h2.load(); }}});
  h2 = 4;
  const std::string text = m.TextExposition();
  EXPECT_THAT(text, HasSubstr("# TYPE maesn_upstream_connections gauge"));
  EXPECT_THAT(text,
              HasSubstr(R"(maesn_upstream_connections{protocol="h1"} 2)"));
  EXPECT_THAT(text,
              HasSubstr(R"(maesn_upstream_connections{protocol="h2"} 4)"));
  m.Unregister("maesn_upstream_connections");
  EXPECT_THAT(m.TextExposition(), Not(HasSubstr("maesn_upstream_connections")));
}

TEST(MetricsTest, ServesTextFormatOverHttp) {
  Metrics m;
  ASSERT_THAT(m.Serve("127.0.0.1:0"), IsOk());
  ASSERT_GT(m.port(), 0);
  m.OnRpcStart(Rpc(absl::StatusCode::kOk, absl::ZeroDuration()));
  httplib::Client client("127.0.0.1", m.port());
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->get_header_value("Content-Type"), HasSubstr("text/plain"));
  EXPECT_THAT(res->body, HasSubstr("grpc_server_started_total{"));
  // A second server on the same port cannot start; the error names the
  // variable.
  Metrics other;
  EXPECT_THAT(
      other.Serve("127.0.0.1:" + std::to_string(m.port())),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("METRICS_LISTEN")));
}

}  // namespace
}  // namespace maesn::gateway
