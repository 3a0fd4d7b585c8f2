#ifndef MAESN_GATEWAY_MAPPING_FIELD_PATH_H_
#define MAESN_GATEWAY_MAPPING_FIELD_PATH_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace maesn::gateway::mapping {

// Maps a Maesn property path from a 400's `validationErrors`, e.g.
// "lineItems[0].quantity" (also "lineItems.0.quantity"), to the field path
// of the gateway's request message that carried the value, e.g.
// "invoice.line_items[0].quantity" for CreateInvoiceRequest. The body is
// looked for first in each message field of the request (the request
// body), then the request itself (query parameters such as "companyId" ->
// "company_id"). nullopt when some step names no field, so that a guess
// never points the caller at the wrong field.
std::optional<std::string> ProtoPathForMaesnPath(
    const google::protobuf::Descriptor& request, absl::string_view maesn_path);

// Returns `status` with the paths of its BadRequest field violations
// rewritten by ProtoPathForMaesnPath for `request`; a path that cannot be
// matched stays as Maesn sent it.
absl::Status RewriteFieldViolations(absl::Status status,
                                    const google::protobuf::Message& request);

}  // namespace maesn::gateway::mapping

#endif  // MAESN_GATEWAY_MAPPING_FIELD_PATH_H_
