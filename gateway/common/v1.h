#ifndef MAESN_GATEWAY_COMMON_V1_H_
#define MAESN_GATEWAY_COMMON_V1_H_

namespace maesn::accounting::v1 {}

namespace maesn::gateway {
// The gateway's contract (proto package maesn.accounting.v1).
namespace v1 = ::maesn::accounting::v1;
}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_COMMON_V1_H_
