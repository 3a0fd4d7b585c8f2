#ifndef MAESN_GATEWAY_MAPPING_JSON_STREAM_READER_H_
#define MAESN_GATEWAY_MAPPING_JSON_STREAM_READER_H_

#include "absl/strings/string_view.h"
#include "gateway/common/v1.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "maesn/accounting/v1/common.pb.h"

namespace maesn::gateway::mapping::internal {

// The fast path of ParseRecordResponse: reads a Maesn record envelope
// straight from its bytes into the protos with nlohmann's SAX parser,
// without building a JSON tree for the whole document.
//
// When it returns true, `record`, `meta` and `raw_data` hold exactly what
// ParseRecordResponseTree (the tree-walking reader, the reference) gives for
// `body`, warnings and their order included. It returns false for any
// document it does not read on its own (invalid JSON, an unusable envelope,
// a duplicated property, a record type it has no plan for, ...) and for
// messages that are not empty on entry; the messages are then empty, and the
// caller reads `body` with ParseRecordResponseTree. Thread-safe.
bool StreamRecordResponse(absl::string_view body,
                          google::protobuf::Message& record,
                          v1::ResponseMeta& meta,
                          google::protobuf::Struct* raw_data,
                          absl::string_view record_path);

}  // namespace maesn::gateway::mapping::internal

#endif  // MAESN_GATEWAY_MAPPING_JSON_STREAM_READER_H_
