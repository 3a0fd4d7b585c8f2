// maesn-gateway: the gRPC gateway in front of the Maesn unified API.
// Configuration comes from environment variables (see README.md).
//
// SIGTERM or SIGINT starts a graceful drain: health turns NOT_SERVING at
// once, calls are still served for GATEWAY_DRAIN_DELAY_MS (so Kubernetes
// takes the pod out of its endpoints), then the server stops accepting and
// calls in flight get GATEWAY_SHUTDOWN_GRACE_MS to finish. The process exits
// 0 before the grace ends. A second signal skips the rest of the drain delay.

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gateway/observability/json_log.h"
#include "gateway/server/config.h"
#include "gateway/server/server.h"

namespace {

using maesn::gateway::JsonLine;
using maesn::gateway::LogLevel;

// glibc gives threads their own malloc arenas (up to 8 per core it sees,
// the node's cores in a container). With the gateway's many threads the
// arenas fragment and RSS creeps up for hours (BENCHMARKS.md, "Soak": +6 %
// over 180,000 calls, still rising; one arena levels off). Per-thread
// caches (tcache) keep most small allocations lock-free anyway. The
// MALLOC_ARENA_MAX environment variable, when set, still decides.
void LimitMallocArenas() {
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 1);
}

int Run() {
  LimitMallocArenas();
  // Debian builds Abseil without NDEBUG, which leaves absl::Mutex's lock
  // order tracking on: a process-wide graph updated under one global lock
  // on every Lock and Unlock of every mutex, i.e. a point of contention for
  // all upstream workers. It is a debugging aid; tests (which do not run
  // main) keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Block the termination signals in every thread; main waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A peer hanging up mid-write must not kill the process.
  signal(SIGPIPE, SIG_IGN);

  auto config = maesn::gateway::ConfigFromEnvironment(
      [](const char* name) { return std::getenv(name); });
  if (!config.ok()) {
    std::fprintf(stderr, "maesn-gateway: configuration error: %s\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }
  auto started = maesn::gateway::GatewayServer::Start(*config);
  if (!started.ok()) {
    std::fprintf(stderr, "maesn-gateway: cannot start: %s\n",
                 std::string(started.status().message()).c_str());
    return 1;
  }
  std::unique_ptr<maesn::gateway::GatewayServer> server = *std::move(started);
  auto& log = server->logger();
  const int port = server->port();
  if (!config->port_file.empty()) {
    const std::string tmp = config->port_file + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::rename(tmp.c_str(), config->port_file.c_str());
  }
  log.Write(
      LogLevel::kInfo,
      std::move(
          JsonLine(absl::Now(), LogLevel::kInfo, "listening")
              .Add("listen", config->listen)
              .Add("port", port)
              .Add("tls", !config->tls_cert_file.empty())
              .Add("client_certificates", !config->tls_client_ca_file.empty())
              .Add("health_port", server->health_port())
              .Add("metrics_port", server->metrics_port())
              .Add("upstream", config->maesn_base_url)
              // Whether, never which: the URL may hold a password.
              .Add("egress_proxy", !config->egress_proxy.empty())
              .Add("api_key_configured", !config->maesn_api_key.empty())));

  int sig = 0;
  sigwait(&signals, &sig);
  const absl::Time signalled = absl::Now();
  log.Write(
      LogLevel::kInfo,
      std::move(JsonLine(signalled, LogLevel::kInfo, "draining")
                    .Add("signal", sig)
                    .Add("drain_delay_ms",
                         absl::ToInt64Milliseconds(config->drain_delay))
                    .Add("shutdown_grace_ms",
                         absl::ToInt64Milliseconds(config->shutdown_grace))));

  absl::Notification stopped;
  std::thread stopper([&] {
    server->Drain(config->drain_delay, config->shutdown_grace);
    stopped.Notify();
  });
  // Waits for the drain; a second signal ends the drain delay early. The
  // process never outlives drain delay + grace, even if an upstream request
  // ignores its cancellation: gRPC cancels what still runs a margin before
  // the grace ends (GatewayServer::Drain), and the process leaves half a
  // margin before it ends.
  const absl::Duration margin =
      std::min(config->shutdown_grace / 10, absl::Seconds(1));
  const absl::Time hard_stop =
      signalled + config->drain_delay + config->shutdown_grace - margin / 2;
  bool skipped = false;
  while (!stopped.WaitForNotificationWithTimeout(absl::Milliseconds(20))) {
    if (absl::Now() >= hard_stop) {
      log.Write(LogLevel::kWarn,
                JsonLine(absl::Now(), LogLevel::kWarn,
                         "shutdown grace ended with work still running; "
                         "exiting"));
      std::fflush(stdout);
      std::_Exit(0);
    }
    if (!skipped) {
      const timespec no_wait = {0, 0};
      if (sigtimedwait(&signals, nullptr, &no_wait) > 0) {
        skipped = true;
        server->SkipDrainDelay();
      }
    }
  }
  stopper.join();
  log.Write(LogLevel::kInfo,
            std::move(JsonLine(absl::Now(), LogLevel::kInfo, "stopped")
                          .Add("shutdown_ms", absl::ToInt64Milliseconds(
                                                  absl::Now() - signalled))));
  std::fflush(stdout);
  // Every call has its status and the executor is joined; the gateway keeps
  // no state. Leaving now spares the metrics server's slow stop (civetweb
  // polls for about 1.5 s), which would only delay the pod's exit.
  std::_Exit(0);
}

}  // namespace

int main() { return Run(); }
