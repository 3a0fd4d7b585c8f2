#ifndef MAESN_GATEWAY_MAPPING_ENVELOPE_H_
#define MAESN_GATEWAY_MAPPING_ENVELOPE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/common/v1.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "maesn/accounting/v1/common.pb.h"

namespace maesn::gateway::mapping {

// Maesn wraps every answer in {meta: {warnings, pagination}, data, rawData,
// errors}. These functions read that envelope; everything above the mapping
// layer sees only protos and absl::Status.
//
// All of them fail with INTERNAL (ErrorInfo reason INVALID_UPSTREAM_RESPONSE)
// when the body is not JSON or not an envelope, never crash, and otherwise
// succeed, collecting what they could not read as meta.mapping_warnings.

// `data` is one record (an object; a one-element array is accepted,
// docs/maesn-api.md §5.1).
// `record_path` names the record in warnings (e.g. "invoice"). `raw_data`
// may be null; when not, it receives `rawData` if Maesn sent one.
absl::Status ParseRecordResponse(absl::string_view body,
                                 google::protobuf::Message& record,
                                 v1::ResponseMeta& meta,
                                 google::protobuf::Struct* raw_data,
                                 absl::string_view record_path);

// `data` is an array of records, appended to the repeated message field
// `records_field` of `response` (a single object is read as one record,
// unless it is only a `taskId`: an asynchronous answer holds no records).
absl::Status ParseListResponse(absl::string_view body,
                               google::protobuf::Message& response,
                               absl::string_view records_field,
                               v1::ResponseMeta& meta,
                               google::protobuf::Value* raw_data);

// `data` is a string (e.g. DELETE's confirmation); `result` is left unset
// when Maesn sent none.
absl::Status ParseStringResponse(absl::string_view body, std::string* result,
                                 bool* has_result, v1::ResponseMeta& meta);

// `data` of no documented schema (MAESN_DATA_UNTYPED) goes whole into
// `response`'s `field`: a google.protobuf.Value takes any JSON, a
// google.protobuf.Struct an object (any other JSON is a mapping warning
// naming the field). No `data`, or null, leaves the field unset.
absl::Status ParseUntypedResponse(
    absl::string_view body, google::protobuf::Message& response,
    const google::protobuf::FieldDescriptor& field, v1::ResponseMeta& meta);

}  // namespace maesn::gateway::mapping

#endif  // MAESN_GATEWAY_MAPPING_ENVELOPE_H_
