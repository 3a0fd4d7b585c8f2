#include "gateway/observability/json_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace maesn::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class CaptureSink : public LogSink {
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

std::string Quoted(absl::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

TEST(JsonStringTest, EscapesWhatWouldBreakTheLine) {
  EXPECT_EQ(Quoted("plain"), "\"plain\"");
  EXPECT_EQ(Quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quoted("line\nbreak\r\t"), "\"line\\nbreak\\r\\t\"");
  EXPECT_EQ(Quoted(std::string("nul\0bell\x07", 9)),
            "\"nul\\u0000bell\\u0007\"");
}

TEST(JsonStringTest, KeepsUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(Quoted("Müller €"), "\"Müller €\"");
  EXPECT_EQ(Quoted("bad\xff\xc3"), "\"bad\\ufffd\\ufffd\"");
  // An overlong encoding and a UTF-16 surrogate are not valid UTF-8.
  EXPECT_EQ(Quoted("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(Quoted("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
  // Whatever the bytes, the result parses as JSON.
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_FALSE(
      nlohmann::json::parse(Quoted(all), nullptr, false).is_discarded());
}

TEST(LogLevelTest, ParsesNamesAndRanksCodes) {
  EXPECT_EQ(ParseLogLevel("DEBUG"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("info"), LogLevel::kInfo);
  EXPECT_EQ(ParseLogLevel("warning"), LogLevel::kWarn);
  EXPECT_EQ(ParseLogLevel("error"), LogLevel::kError);
  EXPECT_FALSE(ParseLogLevel("loud").has_value());
  EXPECT_EQ(LevelForCode(absl::StatusCode::kOk), LogLevel::kInfo);
  EXPECT_EQ(LevelForCode(absl::StatusCode::kNotFound), LogLevel::kWarn);
  EXPECT_EQ(LevelForCode(absl::StatusCode::kUnauthenticated), LogLevel::kWarn);
  EXPECT_EQ(LevelForCode(absl::StatusCode::kUnavailable), LogLevel::kError);
  EXPECT_EQ(LevelForCode(absl::StatusCode::kInternal), LogLevel::kError);
}

RpcRecord Record(absl::StatusCode code) {
  RpcRecord r;
  r.method = "/maesn.accounting.v1.InvoiceService/GetInvoice";
  r.start = absl::FromUnixMillis(1700000000123);
  r.duration = absl::Microseconds(12500);
  r.code = code;
  r.error_reason = code == absl::StatusCode::kOk ? "" : "Maesn answered 404";
  r.request_id = "req-1";
  r.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  r.stats.attempts = 2;
  r.stats.upstream_status = 404;
  return r;
}

// The time field matches absl's "%Y-%m-%dT%H:%M:%E3SZ" for times across
// second, day and year boundaries, in and out of order (the part up to the
// second is cached per thread).
TEST(JsonLineTest, TimeIsUtcWithTruncatedMilliseconds) {
  std::vector<absl::Time> times;
  const absl::Time base =
      absl::FromUnixSeconds(1735689599);  // 2024-12-31T23:59:59Z
  for (int us : {0, 1, 999, 1000, 998999, 999000, 999999, 1000000, 1000001,
                 1500000, 59999999, 60000000}) {
    times.push_back(base + absl::Microseconds(us));
  }
  times.push_back(base - absl::Seconds(86400 * 365) + absl::Milliseconds(7));
  times.push_back(base + absl::Nanoseconds(999999999));
  times.push_back(absl::FromUnixSeconds(0));
  times.push_back(base);  // back to a second seen before
  for (absl::Time t : times) {
    const std::string line =
        std::move(JsonLine(t, LogLevel::kInfo, "m")).Finish();
    EXPECT_EQ(nlohmann::json::parse(line)["time"],
              absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone()))
        << absl::FormatTime(t);
  }
}

TEST(RpcLoggerTest, OneJsonLinePerRpcWithEveryField) {
  CaptureSink sink;
  JsonLogger logger(&sink, LogLevel::kInfo);
  RpcLogger rpc(&logger);
  rpc.OnRpcStart(Record(absl::StatusCode::kNotFound));
  rpc.OnRpcEnd(Record(absl::StatusCode::kNotFound));
  auto lines = sink.lines();
  ASSERT_EQ(lines.size(), 1u);
  ASSERT_EQ(lines[0].back(), '\n');
  EXPECT_EQ(lines[0].find('\n'), lines[0].size() - 1);
  auto j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j["time"], "2023-11-14T22:13:20.135Z");  // start + duration
  EXPECT_EQ(j["level"], "warn");
  EXPECT_EQ(j["msg"], "rpc");
  EXPECT_EQ(j["method"], "/maesn.accounting.v1.InvoiceService/GetInvoice");
  EXPECT_EQ(j["grpc_type"], "unary");
  EXPECT_EQ(j["code"], "NOT_FOUND");
  EXPECT_DOUBLE_EQ(j["duration_ms"].get<double>(), 12.5);
  EXPECT_EQ(j["upstream_status"], 404);
  EXPECT_EQ(j["attempts"], 2);
  EXPECT_EQ(j["request_id"], "req-1");
  EXPECT_EQ(j["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(j["error"], "Maesn answered 404");
}

TEST(RpcLoggerTest, OkHasNoErrorFieldAndLevelsFilter) {
  CaptureSink sink;
  JsonLogger logger(&sink, LogLevel::kWarn);
  RpcLogger rpc(&logger);
  rpc.OnRpcEnd(Record(absl::StatusCode::kOk));           // info: filtered
  rpc.OnRpcEnd(Record(absl::StatusCode::kUnavailable));  // error: kept
  auto lines = sink.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("\"level\":\"error\""));

  CaptureSink all;
  JsonLogger info(&all, LogLevel::kInfo);
  RpcLogger(&info).OnRpcEnd(Record(absl::StatusCode::kOk));
  ASSERT_EQ(all.lines().size(), 1u);
  EXPECT_THAT(all.lines()[0], Not(HasSubstr("\"error\"")));
}

}  // namespace
}  // namespace maesn::gateway
