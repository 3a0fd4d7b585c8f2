#include "gateway/common/errors.h"

#include <cstdint>
#include <optional>

#include "absl/strings/str_cat.h"
#include "google/protobuf/duration.pb.h"
#include "google/rpc/error_details.pb.h"

namespace maesn::gateway {
namespace {

template <typename Message>
std::optional<Message> ReadPayload(const absl::Status& status,
                                   absl::string_view url) {
  auto cord = status.GetPayload(url);
  if (!cord.has_value()) return std::nullopt;
  Message m;
  if (!m.ParseFromString(std::string(*cord))) return std::nullopt;
  return m;
}

template <typename Message>
absl::Status WritePayload(absl::Status status, absl::string_view url,
                          const Message& m) {
  if (status.ok()) return status;
  status.SetPayload(url, absl::Cord(m.SerializeAsString()));
  return status;
}

}  // namespace

absl::Status WithErrorInfo(absl::Status status, absl::string_view reason,
                           std::map<std::string, std::string> metadata) {
  auto info = ReadPayload<google::rpc::ErrorInfo>(status, kErrorInfoUrl)
                  .value_or(google::rpc::ErrorInfo{});
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  for (auto& [k, v] : metadata) (*info.mutable_metadata())[k] = std::move(v);
  return WritePayload(std::move(status), kErrorInfoUrl, info);
}

absl::Status WithErrorMetadata(absl::Status status, absl::string_view key,
                               absl::string_view value) {
  auto info = ReadPayload<google::rpc::ErrorInfo>(status, kErrorInfoUrl)
                  .value_or(google::rpc::ErrorInfo{});
  info.set_domain(std::string(kErrorDomain));
  (*info.mutable_metadata())[std::string(key)] = std::string(value);
  return WritePayload(std::move(status), kErrorInfoUrl, info);
}

absl::Status WithRetryDelay(absl::Status status, absl::Duration delay) {
  google::rpc::RetryInfo info;
  const int64_t ms = absl::ToInt64Milliseconds(delay);
  info.mutable_retry_delay()->set_seconds(ms / 1000);
  info.mutable_retry_delay()->set_nanos(static_cast<int32_t>(ms % 1000) *
                                        1000000);
  return WritePayload(std::move(status), kRetryInfoUrl, info);
}

absl::Status WithFieldViolations(absl::Status status,
                                 std::vector<FieldViolation> violations) {
  auto req = ReadPayload<google::rpc::BadRequest>(status, kBadRequestUrl)
                 .value_or(google::rpc::BadRequest{});
  for (auto& v : violations) {
    auto* fv = req.add_field_violations();
    fv->set_field(std::move(v.field));
    fv->set_description(std::move(v.description));
  }
  return WritePayload(std::move(status), kBadRequestUrl, req);
}

std::string ErrorReason(const absl::Status& status) {
  auto info = ReadPayload<google::rpc::ErrorInfo>(status, kErrorInfoUrl);
  return info ? info->reason() : std::string();
}

std::string ErrorMetadata(const absl::Status& status, absl::string_view key) {
  auto info = ReadPayload<google::rpc::ErrorInfo>(status, kErrorInfoUrl);
  if (!info) return {};
  auto it = info->metadata().find(std::string(key));
  return it == info->metadata().end() ? std::string() : it->second;
}

bool RetryDelay(const absl::Status& status, absl::Duration* delay) {
  auto info = ReadPayload<google::rpc::RetryInfo>(status, kRetryInfoUrl);
  if (!info) return false;
  *delay = absl::Seconds(info->retry_delay().seconds()) +
           absl::Nanoseconds(info->retry_delay().nanos());
  return true;
}

absl::Status InvalidField(absl::string_view field,
                          absl::string_view description) {
  absl::Status s =
      absl::InvalidArgumentError(absl::StrCat(field, ": ", description));
  s = WithErrorInfo(std::move(s), "INVALID_FIELD",
                    {{"field", std::string(field)}});
  return WithFieldViolations(std::move(s),
                             {{std::string(field), std::string(description)}});
}

absl::Status InvalidFields(std::vector<FieldViolation> violations) {
  if (violations.empty()) return absl::OkStatus();
  std::string message =
      absl::StrCat(violations[0].field, ": ", violations[0].description);
  if (violations.size() > 1) {
    absl::StrAppend(&message, " (and ", violations.size() - 1,
                    " more field violation", violations.size() > 2 ? "s" : "",
                    ")");
  }
  absl::Status s =
      WithErrorInfo(absl::InvalidArgumentError(message), "INVALID_FIELD",
                    {{"field", violations[0].field}});
  return WithFieldViolations(std::move(s), std::move(violations));
}

absl::string_view WriteOutcomeName(WriteOutcome outcome) {
  switch (outcome) {
    case WriteOutcome::kNotSent:
      return "NOT_SENT";
    case WriteOutcome::kRejected:
      return "REJECTED";
    case WriteOutcome::kUnknown:
      return "UNKNOWN";
    case WriteOutcome::kApplied:
      return "APPLIED";
    case WriteOutcome::kNone:
      break;
  }
  return "";
}

WriteOutcome WriteOutcomeOf(const absl::Status& status) {
  const std::string name = ErrorMetadata(status, kWriteOutcomeKey);
  for (WriteOutcome o : {WriteOutcome::kNotSent, WriteOutcome::kRejected,
                         WriteOutcome::kUnknown, WriteOutcome::kApplied}) {
    if (name == WriteOutcomeName(o)) return o;
  }
  return WriteOutcome::kNone;
}

}  // namespace maesn::gateway
