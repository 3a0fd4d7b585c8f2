#ifndef MAESN_GATEWAY_SERVICE_REQUEST_VALIDATION_H_
#define MAESN_GATEWAY_SERVICE_REQUEST_VALIDATION_H_

#include "absl/status/status.h"
#include "gateway/maesn/rest_binding.h"
#include "google/protobuf/message.h"

namespace maesn::gateway {

// The checks every request passes before any upstream request is made,
// derived from its rpc's binding and the contract's annotations, never
// written per rpc. A failure is INVALID_ARGUMENT with a google.rpc.BadRequest
// whose field violations name proto field paths of the request (e.g.
// "invoice.line_items[0].quantity", "update_mask.paths[1]"); body checks
// report every violation at once. They cover:
//  - path variables: ids (validation.h);
//  - query parameters: strings as optional ids (company_id,
//    environment_name), integers not negative, explicitly set enums that
//    are UNSPECIFIED or unknown, timestamps outside RFC 3339's range;
//  - paging: page_size not negative (the token is checked by page_token.h);
//  - the body: every field marked (google.api.field_behavior) = REQUIRED,
//    recursively through the fields that are sent (a required message must
//    be set, a required repeated field must not be empty, a required scalar
//    must be set); with an update mask only the named fields are sent and
//    checked, and the mask must name at least one top-level field of the
//    body, no wildcard and no nested path.
// Value-level problems inside bodies (an UNSPECIFIED enum, a non-finite
// amount) are reported by the request body mapping, also before sending.
// `request` is of the binding's input type (a kUnary binding). Pure,
// thread-safe.
absl::Status ValidateRequest(const RestBinding& binding,
                             const google::protobuf::Message& request);

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVICE_REQUEST_VALIDATION_H_
