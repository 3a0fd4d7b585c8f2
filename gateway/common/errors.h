#ifndef MAESN_GATEWAY_COMMON_ERRORS_H_
#define MAESN_GATEWAY_COMMON_ERRORS_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace maesn::gateway {

// The error model (AIP-193). Layers below the service build absl::Status
// values and attach the structured details as payloads here; the service
// layer turns them into google.rpc.Status details (see
// service/grpc_status.h). Nothing here ever holds a credential.

// ErrorInfo.domain of every error the gateway produces.
inline constexpr absl::string_view kErrorDomain = "gateway.maesn.dev";

// Payload type URLs (the google.rpc message each payload serialises).
inline constexpr absl::string_view kErrorInfoUrl =
    "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr absl::string_view kRetryInfoUrl =
    "type.googleapis.com/google.rpc.RetryInfo";
inline constexpr absl::string_view kBadRequestUrl =
    "type.googleapis.com/google.rpc.BadRequest";

// ErrorInfo metadata keys. None of them ever carries a credential.
// The Maesn operation id the error belongs to (e.g. "getInvoice").
inline constexpr absl::string_view kOperationKey = "operation";
// The HTTP status Maesn answered with, when it answered.
inline constexpr absl::string_view kHttpStatusKey = "http_status";
// "true"/"false": whether the request left the gateway (transport errors).
inline constexpr absl::string_view kRequestSentKey = "request_sent";
// What happened to a failed write: see WriteOutcome.
inline constexpr absl::string_view kWriteOutcomeKey = "write_outcome";

// What happened to a write that failed (ErrorInfo metadata write_outcome).
enum class WriteOutcome {
  kNone,      // not a write, or no outcome recorded
  kNotSent,   // NOT_SENT: the request never reached Maesn
  kRejected,  // REJECTED: Maesn answered 3xx/4xx, nothing was written
  kUnknown,   // UNKNOWN: it may or may not have been applied
  kApplied,   // APPLIED: Maesn answered 2xx but its answer was unusable
};
// The metadata spelling ("NOT_SENT", ...); empty for kNone.
absl::string_view WriteOutcomeName(WriteOutcome outcome);
// The outcome a status carries (kNone when it carries none).
WriteOutcome WriteOutcomeOf(const absl::Status& status);
// True for the outcomes that must never be sent again automatically
// (UNKNOWN and APPLIED): sending again could duplicate the write.
inline bool MayHaveBeenApplied(WriteOutcome outcome) {
  return outcome == WriteOutcome::kUnknown || outcome == WriteOutcome::kApplied;
}

struct FieldViolation {
  std::string field;  // proto field path, e.g. "invoice.line_items[0].quantity"
  std::string description;
};

// Returns `status` with an ErrorInfo {reason, kErrorDomain, metadata}.
// Replaces an ErrorInfo already attached, keeping its metadata keys that
// `metadata` does not set.
absl::Status WithErrorInfo(absl::Status status, absl::string_view reason,
                           std::map<std::string, std::string> metadata = {});
// Adds one metadata entry to the ErrorInfo (creating one with `reason` empty
// if none is attached yet).
absl::Status WithErrorMetadata(absl::Status status, absl::string_view key,
                               absl::string_view value);
// Returns `status` with a RetryInfo asking the caller to wait `delay`.
absl::Status WithRetryDelay(absl::Status status, absl::Duration delay);
// Returns `status` with a BadRequest listing `violations`.
absl::Status WithFieldViolations(absl::Status status,
                                 std::vector<FieldViolation> violations);

// Readers for the payloads above (for the retry loop, logs and tests).
std::string ErrorReason(const absl::Status& status);
std::string ErrorMetadata(const absl::Status& status, absl::string_view key);
bool RetryDelay(const absl::Status& status, absl::Duration* delay);

// INVALID_ARGUMENT with one BadRequest field violation naming `field`.
absl::Status InvalidField(absl::string_view field,
                          absl::string_view description);
// INVALID_ARGUMENT with a BadRequest listing every violation (ErrorInfo
// reason INVALID_FIELD); the message names the first one and counts the
// rest. OK when `violations` is empty.
absl::Status InvalidFields(std::vector<FieldViolation> violations);

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_COMMON_ERRORS_H_
