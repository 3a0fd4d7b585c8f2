#include "gateway/observability/json_log.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace maesn::gateway {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid.
std::size_t Utf8Length(absl::string_view s, std::size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  unsigned char min_second = 0x80, max_second = 0xBF;
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    if (b == 0xE0) min_second = 0xA0;
    if (b == 0xED) max_second = 0x9F;  // no UTF-16 surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    if (b == 0xF0) min_second = 0x90;
    if (b == 0xF4) max_second = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    const unsigned char lo = k == 1 ? min_second : 0x80;
    const unsigned char hi = k == 1 ? max_second : 0xBF;
    if (c < lo || c > hi) return 0;
  }
  return n;
}

}  // namespace

absl::optional<LogLevel> ParseLogLevel(absl::string_view name) {
  const std::string n = absl::AsciiStrToLower(name);
  if (n == "debug") return LogLevel::kDebug;
  if (n == "info") return LogLevel::kInfo;
  if (n == "warn" || n == "warning") return LogLevel::kWarn;
  if (n == "error") return LogLevel::kError;
  return absl::nullopt;
}

absl::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

LogLevel LevelForCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return LogLevel::kInfo;
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kUnauthenticated:
      return LogLevel::kWarn;
    default:
      return LogLevel::kError;
  }
}

void AppendJsonString(std::string& out, absl::string_view s) {
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      const std::size_t n = Utf8Length(s, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20 || u == 0x7F) {
          absl::StrAppendFormat(&out, "\\u%04x", u);
        } else {
          out.push_back(c);
        }
    }
    ++i;
  }
  out.push_back('"');
}

namespace {

// Appends `time` as "2026-12-04T20:38:05.123Z" (UTC, milliseconds
// truncated, as absl's %E3S). The part up to the second is formatted once
// per second per thread: time-zone formatting costs more than the rest of a
// log line.
void AppendTime(std::string& out, absl::Time time) {
  struct Cache {
    int64_t second = std::numeric_limits<int64_t>::min();
    std::string text;  // "2026-12-04T20:38:05"
  };
  thread_local Cache cache;
  const int64_t millis = absl::ToUnixMillis(time);  // rounds down
  const int64_t second = millis >= 0 ? millis / 1000 : (millis - 999) / 1000;
  const auto milli = static_cast<int>(millis - second * 1000);
  if (second != cache.second) {
    cache.second = second;
    cache.text =
        absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second),
                         absl::UTCTimeZone());
  }
  out.push_back('"');
  out += cache.text;
  out.push_back('.');
  out.push_back(static_cast<char>('0' + milli / 100));
  out.push_back(static_cast<char>('0' + milli / 10 % 10));
  out.push_back(static_cast<char>('0' + milli % 10));
  out += "Z\"";
}

}  // namespace

JsonLine::JsonLine(absl::Time time, LogLevel level, absl::string_view msg) {
  out_ = "{\"time\":";
  AppendTime(out_, time);
  Add("level", LogLevelName(level));
  Add("msg", msg);
}

void JsonLine::Key(absl::string_view key) {
  out_.push_back(',');
  AppendJsonString(out_, key);
  out_.push_back(':');
}

JsonLine& JsonLine::Add(absl::string_view key, absl::string_view value) {
  Key(key);
  AppendJsonString(out_, value);
  return *this;
}

JsonLine& JsonLine::Add(absl::string_view key, int64_t value) {
  Key(key);
  absl::StrAppend(&out_, value);
  return *this;
}

JsonLine& JsonLine::Add(absl::string_view key, double value) {
  Key(key);
  if (std::isfinite(value)) {
    absl::StrAppendFormat(&out_, "%.3f", value);
  } else {
    out_ += "null";
  }
  return *this;
}

JsonLine& JsonLine::Add(absl::string_view key, bool value) {
  Key(key);
  out_ += value ? "true" : "false";
  return *this;
}

std::string JsonLine::Finish() && {
  out_ += "}\n";
  return std::move(out_);
}

void StdioLogSink::Write(absl::string_view line) {
  absl::MutexLock lock(&mu_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

void JsonLogger::Write(LogLevel level, JsonLine line) {
  if (!Enabled(level)) return;
  sink_->Write(std::move(line).Finish());
}

void RpcLogger::OnRpcStart(const RpcRecord& /*record*/) {}

void RpcLogger::OnRpcEnd(const RpcRecord& record) {
  const LogLevel level = LevelForCode(record.code);
  if (!logger_->Enabled(level)) return;
  JsonLine line(record.start + record.duration, level, "rpc");
  line.Add("method", record.method)
      .Add("grpc_type", record.grpc_type)
      .Add("code", absl::StatusCodeToString(record.code))
      .Add("duration_ms", absl::ToDoubleMilliseconds(record.duration))
      .Add("upstream_status", record.stats.upstream_status)
      .Add("attempts", record.stats.attempts)
      .Add("request_id", record.request_id);
  // traceparent = version-traceid-parentid-flags; the trace id joins logs
  // with traces.
  if (record.traceparent.size() == 55) {
    line.Add("trace_id", absl::string_view(record.traceparent).substr(3, 32));
  }
  if (record.code != absl::StatusCode::kOk) {
    line.Add("error", record.error_reason);
  }
  logger_->Write(level, std::move(line));
}

}  // namespace maesn::gateway
