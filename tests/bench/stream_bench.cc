// stream_bench: what StreamInvoices costs. Runs the Maesn simulator in this
// process and the built maesn-gateway binary as a child process (real gRPC
// over TCP, real TLS upstream), and prints
//   1. one stream reading every invoice as fast as it can: records/s;
//   2. many slow readers that take one message and then stop reading, on a
//      channel that grants 64 KiB of flow-control window per stream (no BDP
//      growth): upstream pages fetched per stream (the gateway writes only
//      as fast as gRPC flow control lets it and fetches at most one page
//      ahead of the page being written) and the gateway process's resident
//      memory per open slow stream.
// Usage: stream_bench [--records=N] [--page_size=N] [--slow_streams=N]
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "maesn/accounting/v1/invoice.grpc.pb.h"
#include "simulator.h"
#include "tests/testing/proc_stats.h"

ABSL_FLAG(int, records, 1000, "Generated invoices in the simulator.");
ABSL_FLAG(int, page_size, 100, "page_size of the streams.");
ABSL_FLAG(int, slow_streams, 200, "Slow readers opened at once.");

namespace {

namespace v1 = ::maesn::accounting::v1;

extern "C" char** environ;

std::unique_ptr<grpc::ClientContext> Context() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("x-account-key", "sim-account-key");
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
  return ctx;
}

// Waits until the simulator has seen no new request for `quiet`.
std::int64_t SettledRequests(const maesn::sim::MaesnSimulator& sim,
                             absl::Duration quiet) {
  std::int64_t last = sim.RequestsSeen();
  absl::Time stable_since = absl::Now();
  while (absl::Now() - stable_since < quiet) {
    absl::SleepFor(absl::Milliseconds(50));
    const std::int64_t now = sim.RequestsSeen();
    if (now != last) {
      last = now;
      stable_since = absl::Now();
    }
  }
  return last;
}

// Starts the gateway binary against the simulator; returns its pid and sets
// `port` once it listens (polls for the port file: a real process starts).
pid_t StartGateway(const maesn::sim::MaesnSimulator& sim,
                   const std::string& dir, int* port) {
  const std::string port_file = dir + "/gateway.port";
  std::vector<std::string> env = {
      "GATEWAY_LISTEN=127.0.0.1:0", "GATEWAY_PORT_FILE=" + port_file,
      "MAESN_BASE_URL=" + sim.base_url(), "MAESN_CA_FILE=" + sim.ca_file(),
      "MAESN_API_KEY=sim-api-key"};
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string binary = MAESN_GATEWAY_BINARY;
  char* argv[] = {binary.data(), nullptr};
  // The gateway's JSON log lines would mix with the table.
  posix_spawn_file_actions_t quiet;
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned =
      posix_spawn(&pid, binary.c_str(), &quiet, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&quiet);
  if (spawned != 0) return -1;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    std::ifstream in(port_file);
    if (in >> *port && *port > 0) return pid;
    if (waitpid(pid, nullptr, WNOHANG) == pid) return -1;
    absl::SleepFor(absl::Milliseconds(20));
  }
  kill(pid, SIGTERM);
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int records = absl::GetFlag(FLAGS_records);
  const int page_size = absl::GetFlag(FLAGS_page_size);
  const int slow = absl::GetFlag(FLAGS_slow_streams);

  maesn::sim::SimulatorOptions sim_options;
  sim_options.generated_invoices = records;
  sim_options.generated_bills = 0;
  sim_options.worker_threads = 16;
  maesn::sim::MaesnSimulator sim(sim_options);
  if (!sim.Start().ok()) return 1;
  char dir_template[] = "/tmp/stream-bench-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  int port = 0;
  const pid_t gateway = StartGateway(sim, dir, &port);
  if (gateway <= 0) {
    std::fprintf(stderr, "cannot start %s\n", MAESN_GATEWAY_BINARY);
    return 1;
  }
  const std::string address = absl::StrCat("127.0.0.1:", port);
  auto channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto stub = v1::InvoiceService::NewStub(channel);
  grpc::ChannelArguments small_window;
  small_window.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  small_window.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 64 * 1024);
  auto slow_stub = v1::InvoiceService::NewStub(grpc::CreateCustomChannel(
      address, grpc::InsecureChannelCredentials(), small_window));
  const int total = records + 5;  // plus the seeded invoices

  // 1. One fast reader.
  v1::StreamInvoicesRequest req;
  req.set_page_size(page_size);
  const std::int64_t before_fast = sim.RequestsSeen();
  const absl::Time start = absl::Now();
  int received = 0;
  {
    auto ctx = Context();
    auto reader = stub->StreamInvoices(ctx.get(), req);
    v1::StreamInvoicesResponse msg;
    while (reader->Read(&msg)) ++received;
    if (!reader->Finish().ok() || received != total) {
      std::fprintf(stderr, "fast stream failed: %d of %d\n", received, total);
      return 1;
    }
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const std::int64_t fast_pages = sim.RequestsSeen() - before_fast;

  // 2. Slow readers: one message each, then nothing.
  const long rss_before = maesn::testing::ProcStatusNumber(gateway, "VmRSS");
  const std::int64_t before_slow = SettledRequests(sim, absl::Seconds(1));
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::StreamInvoicesResponse>>>
      readers;
  for (int i = 0; i < slow; ++i) {
    contexts.push_back(Context());
    readers.push_back(slow_stub->StreamInvoices(contexts.back().get(), req));
    v1::StreamInvoicesResponse msg;
    if (!readers.back()->Read(&msg)) {
      std::fprintf(stderr, "slow stream %d got nothing\n", i);
      return 1;
    }
  }
  const std::int64_t slow_pages =
      SettledRequests(sim, absl::Seconds(2)) - before_slow;
  const long rss_after = maesn::testing::ProcStatusNumber(gateway, "VmRSS");
  for (auto& ctx : contexts) ctx->TryCancel();
  for (auto& reader : readers) {
    v1::StreamInvoicesResponse msg;
    while (reader->Read(&msg)) {
    }
    reader->Finish();
  }

  const int pages_per_list = (total + page_size - 1) / page_size;
  std::printf("| measure | value |\n|---|---|\n");
  std::printf("| invoices in the list | %d (%d pages of %d) |\n", total,
              pages_per_list, page_size);
  std::printf("| one fast stream: records/s | %.0f |\n", received / seconds);
  std::printf("| one fast stream: time for all records | %.0f ms |\n",
              seconds * 1000);
  std::printf("| one fast stream: upstream pages fetched | %lld |\n",
              static_cast<long long>(fast_pages));
  std::printf("| slow streams (64 KiB window) open at once | %d |\n", slow);
  std::printf("| slow streams: upstream pages fetched per stream | %.2f |\n",
              static_cast<double>(slow_pages) / slow);
  std::printf("| gateway resident memory before the slow streams | %ld KiB |\n",
              rss_before);
  std::printf("| gateway resident memory per open slow stream | %.0f KiB |\n",
              static_cast<double>(rss_after - rss_before) / slow);
  kill(gateway, SIGTERM);
  waitpid(gateway, nullptr, 0);
  return 0;
}
