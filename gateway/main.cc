// maesn-gateway: the gRPC gateway in front of the Maesn unified API.
// Configuration comes from environment variables (see README.md).

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/server/config.h"
#include "gateway/server/server.h"

namespace {

int Run() {
  // Block the termination signals in every thread; main waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto config = maesn::gateway::ConfigFromEnvironment(
      [](const char* name) { return std::getenv(name); });
  if (!config.ok()) {
    std::fprintf(stderr, "maesn-gateway: configuration error: %s\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }
  auto server = maesn::gateway::GatewayServer::Start(*config);
  if (!server.ok()) {
    std::fprintf(stderr, "maesn-gateway: cannot start: %s\n",
                 std::string(server.status().message()).c_str());
    return 1;
  }
  const int port = (*server)->port();
  if (!config->port_file.empty()) {
    const std::string tmp = config->port_file + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::rename(tmp.c_str(), config->port_file.c_str());
  }
  std::printf(
      "{\"level\":\"info\",\"msg\":\"listening\",\"listen\":\"%s\","
      "\"port\":%d,\"upstream\":\"%s\",\"api_key_configured\":%s}\n",
      config->listen.c_str(), port, config->maesn_base_url.c_str(),
      config->maesn_api_key.empty() ? "false" : "true");
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  std::printf("{\"level\":\"info\",\"msg\":\"shutting down\",\"signal\":%d}\n",
              sig);
  std::fflush(stdout);
  (*server)->Shutdown(absl::Now() + absl::Seconds(10));
  (*server)->Wait();
  return 0;
}

}  // namespace

int main() { return Run(); }
