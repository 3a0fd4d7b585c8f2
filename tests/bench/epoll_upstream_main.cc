// maesn-bench-upstream: the benchmark Maesn (epoll_upstream.h) as a process.
// It answers GET /accounting/invoices/{id} with the one-line-item invoice of
// bench_data.h and GET /accounting/asyncTask/{id} for the tasks
// bench-task-0000 ... of TimedTasks (each changes every --step_ms from the
// start, staggered), every answer held --latency_ms, on one thread.
//
//   maesn-bench-upstream --cert_dir=DIR --ready_file=FILE [--latency_ms=200]
//       [--port=0] [--tasks=1000] [--step_ms=1000]
//
// The ready file is the simulator's: {"port":P,"base_url":"https://...",
// "ca_file":"DIR/ca.pem"}. SIGTERM or SIGINT stops it; it then prints the
// requests and connections it served.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "bench_data.h"
#include "epoll_upstream.h"
#include "tls_cert.h"

ABSL_FLAG(std::string, cert_dir, "", "Directory for ca.pem and key.pem.");
ABSL_FLAG(std::string, ready_file, "",
          "After listening, write {port, base_url, ca_file} JSON here.");
ABSL_FLAG(int, latency_ms, 200, "Every answer is held this long.");
ABSL_FLAG(int, port, 0, "Port on 127.0.0.1 (0: any free port).");
ABSL_FLAG(int, tasks, 1000, "Tasks bench-task-0000 ... that exist.");
ABSL_FLAG(int, step_ms, 1000, "Each task changes once per this many ms.");

namespace {

maesn::bench::EpollUpstream* running = nullptr;

void OnSignal(int /*signal*/) {
  if (running != nullptr) running->Stop();
}

int Run() {
  const std::string cert_dir = absl::GetFlag(FLAGS_cert_dir);
  const int tasks = absl::GetFlag(FLAGS_tasks);
  const int step_ms = absl::GetFlag(FLAGS_step_ms);
  if (cert_dir.empty() || tasks <= 0 || step_ms <= 0) {
    std::fprintf(stderr,
                 "usage: maesn-bench-upstream --cert_dir=DIR [options]\n");
    return 2;
  }
  maesn::bench::RaiseDescriptorLimit();
  auto files = maesn::sim::MakeSelfSignedCert(cert_dir);
  if (!files.ok()) {
    std::fprintf(stderr, "certificate: %s\n",
                 files.status().ToString().c_str());
    return 1;
  }
  auto invoice = maesn::bench::InvoiceBody(1);
  if (!invoice.ok()) {
    std::fprintf(stderr, "invoice: %s\n", invoice.status().ToString().c_str());
    return 1;
  }
  const maesn::bench::TimedTasks timed(std::chrono::steady_clock::now(),
                                       std::chrono::milliseconds(step_ms),
                                       tasks);
  maesn::bench::EpollUpstreamOptions options;
  options.cert_file = files->cert_file;
  options.key_file = files->key_file;
  options.latency = std::chrono::milliseconds(absl::GetFlag(FLAGS_latency_ms));
  options.port = absl::GetFlag(FLAGS_port);
  options.handler = maesn::bench::MaesnHandler(
      *std::move(invoice), [&timed](const std::string& id) {
        const int task = timed.Index(id);
        return task < 0 ? -1
                        : timed.StepAt(task, std::chrono::steady_clock::now());
      });
  maesn::bench::EpollUpstream upstream(options);
  if (absl::Status s = upstream.Bind(); !s.ok()) {
    std::fprintf(stderr, "listen: %s\n", s.ToString().c_str());
    return 1;
  }
  running = &upstream;
  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  signal(SIGPIPE, SIG_IGN);
  const std::string ready_file = absl::GetFlag(FLAGS_ready_file);
  if (!ready_file.empty()) {
    const std::string tmp = ready_file + ".tmp";
    {
      std::ofstream out(tmp);
      out << "{\"port\":" << upstream.port() << ",\"base_url\":\""
          << upstream.base_url() << "\",\"ca_file\":\"" << files->cert_file
          << "\"}\n";
    }
    if (std::rename(tmp.c_str(), ready_file.c_str()) != 0) {
      std::fprintf(stderr, "cannot write %s\n", ready_file.c_str());
      return 1;
    }
  }
  std::printf("maesn-bench-upstream listening on %s, latency %d ms\n",
              upstream.base_url().c_str(), absl::GetFlag(FLAGS_latency_ms));
  std::fflush(stdout);
  upstream.Run();
  running = nullptr;
  std::printf("requests %lld, connections %lld\n",
              static_cast<long long>(upstream.requests_seen()),
              static_cast<long long>(upstream.connections_accepted()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return Run();
}
