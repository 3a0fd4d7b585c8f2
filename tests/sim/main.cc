// maesn-sim: the Maesn simulator as a standalone HTTPS server, for the demo
// and for tests in other languages. See simulator.h for the endpoints.
//
//   maesn-sim --port 0 --cert-dir /tmp/sim --ready-file /tmp/sim/ready.json
//
// Flags may be spelled with '-' or '_' (--cert-dir or --cert_dir);
// --account-key may be repeated or given a comma list. --faults takes a JSON
// array of fault rules (faults.h) for tests that need Maesn's errors.
// Prints "maesn-sim listening on https://localhost:N (CA: <file>)" once it
// accepts connections, and exits cleanly on SIGINT or SIGTERM.
#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "faults.h"
#include "nlohmann/json.hpp"
#include "simulator.h"

ABSL_FLAG(int, port, 0, "Port to listen on; 0 picks a free port.");
ABSL_FLAG(std::string, bind, "127.0.0.1", "Address to bind.");
ABSL_FLAG(std::string, cert_dir, "",
          "Directory for ca.pem/key.pem; empty = a temporary directory.");
ABSL_FLAG(std::string, data_dir, "",
          "Seed data directory; empty = the source tree's "
          "tests/testdata/maesn/sim.");
ABSL_FLAG(std::string, api_key, "sim-api-key", "Accepted X-API-KEY.");
ABSL_FLAG(std::vector<std::string>, account_key,
          std::vector<std::string>({"sim-account-key", "sim-account-key-2"}),
          "Accepted X-ACCOUNT-KEYs (comma-separated); each is its own tenant.");
ABSL_FLAG(std::vector<std::string>, inactive_account_key,
          std::vector<std::string>({"sim-inactive-account"}),
          "Account keys answered with 403 (comma-separated).");
ABSL_FLAG(int, task_step_ms, 0,
          "> 0: scripted async tasks advance one step per this many ms.");
ABSL_FLAG(int, latency_ms, 0,
          "Hold every Maesn response this many ms (simulated upstream "
          "latency).");
ABSL_FLAG(int, worker_threads, 0,
          "HTTPS worker threads; 0 = httplib's default. Each open keep-alive "
          "connection holds one.");
ABSL_FLAG(std::string, faults, "",
          "JSON array of fault rules answering matching requests with an "
          "error (see faults.h), e.g. "
          "'[{\"path\":\"/accounting/invoices/X\",\"status\":429}]'.");
ABSL_FLAG(std::string, ready_file, "",
          "After listening, write {port, base_url, ca_file} JSON here "
          "(atomically).");

namespace {

// absl flag names cannot contain '-', but the documented spellings are
// --cert-dir, --ready-file, ... Rewrites "--a-b[=v]" to "--a_b[=v]", and
// merges repeated --account-key / --inactive-account-key into one comma
// list (absl keeps only the last occurrence of a flag).
std::vector<std::string> NormalizeArgs(int argc, char** argv) {
  std::vector<std::string> args;
  std::map<std::string, std::vector<std::string>> lists;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (i == 0 || arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      args.push_back(std::move(arg));
      continue;
    }
    if (arg == "--") {  // Everything after this is positional.
      for (; i < argc; ++i) args.emplace_back(argv[i]);
      break;
    }
    const std::size_t eq = arg.find('=');
    std::string name = arg.substr(2, eq == std::string::npos ? eq : eq - 2);
    std::replace(name.begin(), name.end(), '-', '_');
    if (name == "account_key" || name == "inactive_account_key") {
      std::string value;
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
      } else if (i + 1 < argc) {
        value = argv[++i];
      }
      lists[name].push_back(std::move(value));
      continue;
    }
    args.push_back(absl::StrCat("--", name,
                                eq == std::string::npos ? "" : arg.substr(eq)));
  }
  for (const auto& [name, values] : lists) {
    args.push_back(absl::StrCat("--", name, "=", absl::StrJoin(values, ",")));
  }
  return args;
}

bool WriteReadyFile(const std::string& path,
                    const maesn::sim::MaesnSimulator& sim) {
  nlohmann::ordered_json ready = nlohmann::ordered_json::object();
  ready["port"] = sim.port();
  ready["base_url"] = sim.base_url();
  ready["ca_file"] = sim.ca_file();
  const std::string tmp = absl::StrCat(path, ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << ready.dump() << "\n";
    out.flush();
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args = NormalizeArgs(argc, argv);
  std::vector<char*> arg_pointers;
  for (std::string& arg : args) arg_pointers.push_back(arg.data());
  absl::ParseCommandLine(static_cast<int>(arg_pointers.size()),
                         arg_pointers.data());

  // Block the stop signals in every thread (the server threads inherit the
  // mask) and wait for them synchronously below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // A client hanging up mid-write must not kill the process.
  signal(SIGPIPE, SIG_IGN);

  maesn::sim::SimulatorOptions options;
  options.port = absl::GetFlag(FLAGS_port);
  options.bind_address = absl::GetFlag(FLAGS_bind);
  options.cert_dir = absl::GetFlag(FLAGS_cert_dir);
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.api_key = absl::GetFlag(FLAGS_api_key);
  options.account_keys = absl::GetFlag(FLAGS_account_key);
  options.inactive_account_keys = absl::GetFlag(FLAGS_inactive_account_key);
  options.task_step_interval =
      std::chrono::milliseconds(absl::GetFlag(FLAGS_task_step_ms));
  options.response_delay =
      std::chrono::milliseconds(absl::GetFlag(FLAGS_latency_ms));
  options.worker_threads = absl::GetFlag(FLAGS_worker_threads);

  maesn::sim::MaesnSimulator sim(options);
  if (const std::string faults = absl::GetFlag(FLAGS_faults); !faults.empty()) {
    auto rules = maesn::sim::ParseFaultRules(faults);
    if (!rules.ok()) {
      std::cerr << "maesn-sim: --faults: " << rules.status().message() << "\n";
      return 1;
    }
    sim.SetRequestHook(maesn::sim::MakeFaultHook(*std::move(rules)));
  }
  if (absl::Status status = sim.Start(); !status.ok()) {
    std::cerr << "maesn-sim: " << status << "\n";
    return 1;
  }
  const std::string ready_file = absl::GetFlag(FLAGS_ready_file);
  if (!ready_file.empty() && !WriteReadyFile(ready_file, sim)) {
    std::cerr << "maesn-sim: cannot write " << ready_file << "\n";
    return 1;
  }
  std::cout << "maesn-sim listening on " << sim.base_url()
            << " (CA: " << sim.ca_file() << ")" << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::cout << "maesn-sim: stopping (signal " << signal_number << ")"
            << std::endl;
  sim.Stop();
  return 0;
}
