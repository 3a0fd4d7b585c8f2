// Calls every RPC of the gateway's services generically (from the proto
// descriptors, so RPCs added later are probed without changing the tests),
// and collects everything a caller gets back: status, details, initial and
// trailing metadata, response bytes.
#ifndef MAESN_TESTS_INTEGRATION_RPC_PROBER_H_
#define MAESN_TESTS_INTEGRATION_RPC_PROBER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"

namespace maesn::testing {

// Every method of every service of the contract (package
// maesn.accounting.v1), from the descriptors.
std::vector<const google::protobuf::MethodDescriptor*> AllGatewayMethods();

// A request for `method` with every string field named *_id (at any depth
// of singular messages) set to `id`, serialized.
std::string ProbeRequest(const google::protobuf::MethodDescriptor& method,
                         const std::string& id);

struct ProbeResult {
  std::string method;  // "/pkg.Service/Method"
  grpc::Status status;
  std::vector<std::pair<std::string, std::string>> initial_metadata;
  std::vector<std::pair<std::string, std::string>> trailing_metadata;
  std::vector<std::string> responses;  // serialized response messages

  // Everything above as one text, for "does a secret appear anywhere".
  std::string AllText() const;
};

// Calls `method` once (unary or server streaming) with `request` bytes and
// `metadata`, waiting at most `timeout`.
ProbeResult Probe(
    const std::shared_ptr<grpc::Channel>& channel,
    const google::protobuf::MethodDescriptor& method,
    const std::string& request,
    const std::vector<std::pair<std::string, std::string>>& metadata,
    absl::Duration timeout);

}  // namespace maesn::testing

#endif  // MAESN_TESTS_INTEGRATION_RPC_PROBER_H_
