#ifndef MAESN_GATEWAY_OBSERVABILITY_OBSERVER_LIST_H_
#define MAESN_GATEWAY_OBSERVABILITY_OBSERVER_LIST_H_

#include <vector>

#include "gateway/observability/rpc_observer.h"

namespace maesn::gateway {

// Forwards every RPC event to each observer in order (e.g. the log and the
// metrics). The list is fixed before the first call; the observers must
// outlive it. Thread-safe when every observer is.
class RpcObserverList final : public RpcObserver {
 public:
  void Add(RpcObserver* observer) {
    if (observer != nullptr) observers_.push_back(observer);
  }
  void OnRpcStart(const RpcRecord& record) override {
    for (RpcObserver* o : observers_) o->OnRpcStart(record);
  }
  void OnRpcEnd(const RpcRecord& record) override {
    for (RpcObserver* o : observers_) o->OnRpcEnd(record);
  }

 private:
  std::vector<RpcObserver*> observers_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_OBSERVABILITY_OBSERVER_LIST_H_
