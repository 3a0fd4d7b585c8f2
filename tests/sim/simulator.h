// MaesnSimulator: an HTTPS server on loopback that serves Maesn's documented
// accounting endpoints from fixture data, for integration tests, benchmarks
// and the offline demo. See maesn-sim (main.cc) for the standalone binary.
//
// Maesn surface (every path under /accounting/ needs X-API-KEY and
// X-ACCOUNT-KEY; 401 when either is missing or wrong, 403 for an inactive
// account key; 404 for unknown routes and records):
//   invoices and invoice lines: list (paged, filtered, ordered), create,
//     get, PATCH, document, line list/get/create/PATCH (routes_invoices.cc)
//   bills and bill lines: list, create, get, PUT, DELETE, document, line
//     list/create/PUT (routes_bills.cc)
//   GET /accounting/asyncTask/{taskId}   (also ?taskId=)
// Lists validate page/limit like Maesn (limit only 5/10/20/50/100, else
// 400) and answer with meta.pagination. Created, changed and deleted
// records stay so per account.
// Admin surface (no auth, never recorded):
//   GET  /_sim/requests          recorded requests as a JSON array (a
//                                multipart body as "parts", each with
//                                name, file_name, content_type and
//                                content_base64)
//   POST /_sim/requests/clear
//   POST /_sim/tasks             body: TaskScript JSON + "account"; -> {"id"}
//   POST /_sim/tasks/{taskId}/advance?account=KEY
//   GET  /_sim/stats             {"connections":N,"requests":N}
//   POST /_sim/faults            body: a FaultPlan (fault_plan.h); {} clears
//   GET  /_sim/faults            {"injected":{kind:N},"pending":N}
//   GET  /_sim/health            {"status":"ok"}
//
// Routing uses the raw request target: the path is split on '/' before
// percent-decoding, so ".../invoices/a%2Fb" asks for the id "a/b".
//
// Thread-safe. Each account key owns an independent copy of the seed data
// and of every task's progress.
#ifndef MAESN_TESTS_SIM_SIMULATOR_H_
#define MAESN_TESTS_SIM_SIMULATOR_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "fault_plan.h"
#include "router.h"
#include "store.h"

namespace httplib {
class SSLServer;
struct Request;
struct Response;
}  // namespace httplib

namespace maesn::sim {

struct SimulatorOptions {
  std::string api_key = "sim-api-key";  // The accepted X-API-KEY.
  // Accepted X-ACCOUNT-KEYs; each is a tenant with its own copy of the data.
  // "sim-datev-account-key" is connected to DATEV: operations Maesn may
  // process asynchronously are (routes_resources.cc).
  std::vector<std::string> account_keys = {
      "sim-account-key", "sim-account-key-2", "sim-datev-account-key"};
  // Known but inactive account keys: 403.
  std::vector<std::string> inactive_account_keys = {"sim-inactive-account"};
  // Where ca.pem/key.pem are written (created if missing); empty = a fresh
  // temporary directory, removed again by the destructor.
  std::string cert_dir;
  // Seed data directory; empty = MAESN_SIM_DATA_DIR (tests/testdata/maesn/sim).
  std::string data_dir;
  int port = 0;  // 0 = any free port.
  std::string bind_address = "127.0.0.1";
  // > 0: scripted tasks also advance one step per interval (demo mode),
  // counted from Start() for seeded tasks and from creation for CreateTask
  // ones. 0 = tasks advance only through AdvanceTask / the admin endpoint.
  std::chrono::milliseconds task_step_interval{0};
  // Requests the server keeps serving on one keep-alive connection
  // (httplib's default is 5, which would hide connection reuse).
  std::size_t keep_alive_max_count = 1000;
  // Worker threads; 0 = httplib's default. Each open keep-alive connection
  // holds one worker while it is open.
  int worker_threads = 0;
  // Every non-admin response is held this long before it is sent (upstream
  // latency for load and drain tests); the simulator's lock is not held.
  std::chrono::milliseconds response_delay{0};
  // Requests() keeps at most this many (the most recent); 0 = no limit.
  std::size_t max_recorded_requests = 100000;
  // Generated records added to every account after the seed files'
  // (generated_records.h): "sim-inv-0001".. and "sim-bill-0001"...
  int generated_invoices = 300;
  int generated_bills = 250;
};

struct RecordedRequest {
  std::string method;
  std::string target;  // Raw request target (path + query), still encoded.
  std::string path;    // Decoded path.
  std::vector<std::pair<std::string, std::string>> query;    // Decoded.
  std::vector<std::pair<std::string, std::string>> headers;  // As received.
  std::string body;
  std::string account_key;  // X-ACCOUNT-KEY as sent (may be empty/invalid).
  int remote_port = 0;
  std::vector<FormPart> parts;  // of a multipart/form-data body
};

class MaesnSimulator {
 public:
  // Called for every non-admin request after it is recorded and before
  // auth and routing; returning a response sends that instead (fault
  // injection: 429 with Retry-After, 500, ...). Runs under the lock.
  using RequestHook =
      std::function<std::optional<ApiResponse>(const ApiRequest& request)>;

  explicit MaesnSimulator(SimulatorOptions options = {});
  ~MaesnSimulator();  // Stops the server.

  MaesnSimulator(const MaesnSimulator&) = delete;
  MaesnSimulator& operator=(const MaesnSimulator&) = delete;

  // Loads the seed data, writes the certificate, binds, starts the listener
  // thread and returns once it accepts connections. Call at most once.
  absl::Status Start();
  // Stops listening and joins the listener thread. Idempotent.
  void Stop();

  int port() const;
  std::string base_url() const;  // "https://localhost:<port>"
  std::string ca_file() const;   // PEM to trust (the server cert itself).
  std::string key_file() const;

  std::vector<RecordedRequest> Requests() const;
  void ClearRequests();
  // Distinct client connections (remote address + port) that carried at
  // least one non-admin request: accepted TLS connections, minus failed
  // handshakes and admin-only ones. Shows keep-alive reuse.
  int ConnectionsSeen() const;
  // Non-admin requests seen (not reset by ClearRequests).
  std::int64_t RequestsSeen() const;

  // Moves a task one scripted step on, for one account. False when the
  // account or task is unknown.
  bool AdvanceTask(const std::string& account_key, const std::string& task_id);
  // Adds (or replaces) a scripted task for one account and returns its id
  // (generated when script.id is empty). Empty when the account is unknown
  // or the script has no steps.
  std::string CreateTask(const std::string& account_key, TaskScript script);
  // The task's current status string, if the account and task exist.
  std::optional<std::string> TaskStatus(const std::string& account_key,
                                        const std::string& task_id) const;
  // Inserts or replaces a record of `resource` ("invoices", "bills") for one
  // account; `record.data` must carry the collection's string id field.
  absl::Status PutRecord(const std::string& account_key,
                         const std::string& resource, Record record);
  void SetRequestHook(RequestHook hook);
  // Replaces the HTTP-level fault plan (what POST /_sim/faults sets). The
  // request hook, when set, is asked first.
  void SetFaultPlan(FaultPlan plan);

  // What a Maesn request to base_url() gets, answered in this process
  // without HTTP and without waiting: the request hook and the fault plan
  // apply, the request is recorded, and the caller holds the answer for its
  // `delay` and options.response_delay. For a server of another kind in
  // front of the simulator's data (the soak's epoll upstream). Start() must
  // have succeeded.
  ApiResponse Answer(std::string method, std::string target,
                     const StringPairs& headers, std::string body);

 private:
  void HandleHttp(const httplib::Request& req, httplib::Response& res);
  ApiResponse HandleAdmin(const ApiRequest& request);
  // Auth and routing of one Maesn request.
  ApiResponse RouteLocked(ApiRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  ApiResponse HandleMaesn(ApiRequest& request, const std::string& remote_addr,
                          int remote_port);
  AccountState* FindAccountLocked(const std::string& account_key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string CreateTaskLocked(const std::string& account_key,
                               TaskScript script)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool AdvanceTaskLocked(const std::string& account_key,
                         const std::string& task_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SimulatorOptions options_;
  Router router_;  // Immutable after construction.
  // Why the resource files could not be read (Start() fails with it).
  absl::Status resource_error_;

  // Set by Start() before the listener thread runs; read-only afterwards.
  std::string cert_dir_;
  bool owns_cert_dir_ = false;
  std::string cert_file_;
  std::string key_file_;
  int port_ = 0;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread listener_;

  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  std::chrono::steady_clock::time_point start_time_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, AccountState> accounts_ ABSL_GUARDED_BY(mu_);
  std::deque<RecordedRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::set<std::pair<std::string, int>> connections_ ABSL_GUARDED_BY(mu_);
  std::int64_t request_count_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t next_task_number_ ABSL_GUARDED_BY(mu_) = 1;
  RequestHook hook_ ABSL_GUARDED_BY(mu_);
  FaultPlan faults_ ABSL_GUARDED_BY(mu_);
};

}  // namespace maesn::sim

#endif  // MAESN_TESTS_SIM_SIMULATOR_H_
