#ifndef MAESN_GATEWAY_SERVER_HEALTH_SERVICE_H_
#define MAESN_GATEWAY_SERVER_HEALTH_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace maesn::gateway {

class HealthWatchReactor;

// The serving status of "" (the whole server) and of each service, shared
// by every listener's health service. Watchers hear of each change.
//
// Unlike gRPC's built-in health service, it can end every Watch stream
// (EndWatches), so a server shutdown never waits for the streams that
// clients with client-side health checking keep open. Thread-safe; never
// blocks on the network.
class HealthState {
 public:
  using Status = grpc::health::v1::HealthCheckResponse::ServingStatus;

  // Sets `service` ("" = the server) SERVING or NOT_SERVING, unless the
  // state was shut down (then everything stays NOT_SERVING).
  void Set(const std::string& service, bool serving);
  // Everything NOT_SERVING, for good (the start of a drain).
  void Shutdown();
  // Finishes every Watch stream (and every later one) with UNAVAILABLE
  // after its last status was sent; Check keeps answering.
  void EndWatches();

  // SERVICE_UNKNOWN for a service never set.
  Status Get(const std::string& service) const;

 private:
  friend class HealthWatchReactor;
  // False when watches have ended: the reactor then finishes at once.
  bool AddWatcher(HealthWatchReactor* watcher);
  void RemoveWatcher(HealthWatchReactor* watcher);

  mutable absl::Mutex mu_;
  std::map<std::string, Status> status_ ABSL_GUARDED_BY(mu_);
  std::set<HealthWatchReactor*> watchers_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  bool watches_ended_ ABSL_GUARDED_BY(mu_) = false;
};

// grpc.health.v1.Health over a HealthState (which must outlive it). One
// instance per grpc::Server; several may share a state.
class HealthService final : public grpc::health::v1::Health::CallbackService {
 public:
  explicit HealthService(HealthState* state) : state_(state) {}

  grpc::ServerUnaryReactor* Check(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request,
      grpc::health::v1::HealthCheckResponse* response) override;
  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request) override;

 private:
  HealthState* const state_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVER_HEALTH_SERVICE_H_
