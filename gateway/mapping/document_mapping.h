#ifndef MAESN_GATEWAY_MAPPING_DOCUMENT_MAPPING_H_
#define MAESN_GATEWAY_MAPPING_DOCUMENT_MAPPING_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/common/v1.h"
#include "maesn/accounting/v1/common.pb.h"

namespace maesn::gateway::mapping {

// Reads GET .../document (DocumentResponseDto). `content` arrives base64
// encoded (base64Encoded true or absent) and is returned decoded; with
// base64Encoded false it is taken as it is. Undecodable base64 leaves the
// content empty with a warning.
absl::Status ParseDocumentResponse(absl::string_view body,
                                   v1::Document& document,
                                   v1::ResponseMeta& meta);

}  // namespace maesn::gateway::mapping

#endif  // MAESN_GATEWAY_MAPPING_DOCUMENT_MAPPING_H_
