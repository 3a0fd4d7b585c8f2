#ifndef MAESN_GATEWAY_OBSERVABILITY_JSON_LOG_H_
#define MAESN_GATEWAY_OBSERVABILITY_JSON_LOG_H_

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "gateway/observability/rpc_observer.h"

namespace maesn::gateway {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// "debug", "info", "warn" (or "warning"), "error"; nullopt otherwise.
absl::optional<LogLevel> ParseLogLevel(absl::string_view name);
absl::string_view LogLevelName(LogLevel level);

// The level of the line logged for an RPC that ended with `code`: info for
// OK, warn for errors the caller can fix (bad input, credentials, not found,
// cancelled), error for failures on the gateway's or Maesn's side.
LogLevel LevelForCode(absl::StatusCode code);

// One JSON object on one line, built field by field. Values are escaped
// (control characters, quotes, backslashes, invalid UTF-8 bytes), so a line
// never breaks whatever a value holds.
class JsonLine {
 public:
  JsonLine(absl::Time time, LogLevel level, absl::string_view msg);
  JsonLine& Add(absl::string_view key, absl::string_view value);
  JsonLine& Add(absl::string_view key, const char* value) {
    return Add(key, absl::string_view(value));
  }
  JsonLine& Add(absl::string_view key, const std::string& value) {
    return Add(key, absl::string_view(value));
  }
  JsonLine& Add(absl::string_view key, int64_t value);
  JsonLine& Add(absl::string_view key, int value) {
    return Add(key, static_cast<int64_t>(value));
  }
  JsonLine& Add(absl::string_view key, double value);
  JsonLine& Add(absl::string_view key, bool value);
  // The finished line, with the trailing newline.
  std::string Finish() &&;

 private:
  void Key(absl::string_view key);
  std::string out_;
};

// Appends `s` as a quoted JSON string.
void AppendJsonString(std::string& out, absl::string_view s);

// Where log lines go. Write() takes one complete line and writes it whole
// (lines of different threads never interleave). Thread-safe.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(absl::string_view line) = 0;
};

// Writes to a stdio stream (stdout in production) and flushes each line.
class StdioLogSink final : public LogSink {
 public:
  explicit StdioLogSink(std::FILE* file) : file_(file) {}
  void Write(absl::string_view line) override;

 private:
  std::FILE* const file_;
  absl::Mutex mu_;
};

// Level-filtered structured logging to a sink. Thread-safe; the sink must
// outlive the logger.
class JsonLogger {
 public:
  JsonLogger(LogSink* sink, LogLevel min_level)
      : sink_(sink), min_level_(min_level) {}
  bool Enabled(LogLevel level) const { return level >= min_level_; }
  // Writes `line` when its level is enabled.
  void Write(LogLevel level, JsonLine line);

 private:
  LogSink* const sink_;
  const LogLevel min_level_;
};

// An RpcObserver that logs one JSON line per finished RPC: time, level,
// msg "rpc", method, grpc_type, code, duration_ms, upstream_status,
// attempts, request_id, trace_id (when the caller sent a traceparent) and,
// for errors, the status message (which never holds a credential).
// Thread-safe; never blocks beyond writing the line.
class RpcLogger final : public RpcObserver {
 public:
  explicit RpcLogger(JsonLogger* logger) : logger_(logger) {}
  void OnRpcStart(const RpcRecord& record) override;
  void OnRpcEnd(const RpcRecord& record) override;

 private:
  JsonLogger* const logger_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_OBSERVABILITY_JSON_LOG_H_
