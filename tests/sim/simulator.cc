#include "simulator.h"

#include <httplib.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "generated_records.h"
#include "tls_cert.h"

#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#error "Link PkgConfig::HTTPLIB: libcpp-httplib.so is built with OpenSSL"
#endif

#ifndef MAESN_SIM_DATA_DIR
#error "MAESN_SIM_DATA_DIR must name the seed data directory"
#endif

namespace maesn::sim {
namespace {

// Headers httplib adds to every request itself; not sent by the client.
bool IsSyntheticHeader(const std::string& name) {
  return name == "REMOTE_ADDR" || name == "REMOTE_PORT" ||
         name == "LOCAL_ADDR" || name == "LOCAL_PORT";
}

// First header named `name` (case-insensitive), if any.
std::optional<std::string> FindHeader(const StringPairs& headers,
                                      absl::string_view name) {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

bool Contains(const std::vector<std::string>& list, const std::string& item) {
  for (const std::string& entry : list) {
    if (entry == item) return true;
  }
  return false;
}

Json PairsToJson(const StringPairs& pairs) {
  Json array = Json::array();
  for (const auto& [key, value] : pairs) {
    Json pair = Json::array();
    pair.push_back(key);
    pair.push_back(value);
    array.push_back(std::move(pair));
  }
  return array;
}

Json RecordedRequestToJson(const RecordedRequest& request) {
  Json json = Json::object();
  json["method"] = request.method;
  json["target"] = request.target;
  json["path"] = request.path;
  json["query"] = PairsToJson(request.query);
  json["headers"] = PairsToJson(request.headers);
  json["body"] = request.body;
  json["account_key"] = request.account_key;
  json["remote_port"] = request.remote_port;
  // A multipart/form-data body's parts (`body` is empty then), each part's
  // content in base64 (files are binary).
  Json parts = Json::array();
  for (const FormPart& part : request.parts) {
    Json json_part = Json::object();
    json_part["name"] = part.name;
    json_part["file_name"] = part.file_name;
    json_part["content_type"] = part.content_type;
    json_part["content_base64"] = absl::Base64Escape(part.content);
    parts.push_back(std::move(json_part));
  }
  json["parts"] = std::move(parts);
  return json;
}

std::string MakeTempDir() {
  const char* tmp = getenv("TMPDIR");
  std::string pattern = absl::StrCat(
      tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/maesn-sim-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) return std::string();
  return pattern;
}

// The seed data directory of `options`.
std::string DataDir(const SimulatorOptions& options) {
  return options.data_dir.empty() ? std::string(MAESN_SIM_DATA_DIR)
                                  : options.data_dir;
}

}  // namespace

MaesnSimulator::MaesnSimulator(SimulatorOptions options)
    : options_(std::move(options)) {
  absl::StatusOr<std::vector<ResourceSpec>> specs =
      LoadResourceSpecs(DataDir(options_));
  if (!specs.ok()) {
    resource_error_ = specs.status();  // Start() reports it
    specs = std::vector<ResourceSpec>();
  }
  RegisterMaesnRoutes(router_, *specs);
}

MaesnSimulator::~MaesnSimulator() {
  Stop();
  if (owns_cert_dir_ && !cert_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(cert_dir_, ignored);
  }
}

absl::Status MaesnSimulator::Start() {
  {
    absl::MutexLock lock(&mu_);
    if (started_) return absl::FailedPreconditionError("already started");
    started_ = true;
  }
  if (!resource_error_.ok()) return resource_error_;
  absl::StatusOr<SeedData> seed = SeedData::Load(DataDir(options_));
  if (!seed.ok()) return seed.status();
  if (absl::Status s = seed->AddRecords(
          "invoices", GenerateInvoices(options_.generated_invoices));
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          seed->AddRecords("bills", GenerateBills(options_.generated_bills));
      !s.ok()) {
    return s;
  }

  cert_dir_ = options_.cert_dir;
  if (cert_dir_.empty()) {
    cert_dir_ = MakeTempDir();
    if (cert_dir_.empty()) {
      return absl::InternalError("cannot create a temporary cert directory");
    }
    owns_cert_dir_ = true;
  } else {
    std::error_code error;
    std::filesystem::create_directories(cert_dir_, error);
    if (error) {
      return absl::InternalError(
          absl::StrCat("cannot create ", cert_dir_, ": ", error.message()));
    }
  }
  absl::StatusOr<TlsFiles> tls = MakeSelfSignedCert(cert_dir_);
  if (!tls.ok()) return tls.status();
  cert_file_ = tls->cert_file;
  key_file_ = tls->key_file;

  {
    absl::MutexLock lock(&mu_);
    start_time_ = std::chrono::steady_clock::now();
    for (const std::string& key : options_.account_keys) {
      accounts_.insert_or_assign(key, seed->NewAccount(start_time_));
    }
  }

  auto server = std::make_unique<httplib::SSLServer>(cert_file_.c_str(),
                                                     key_file_.c_str());
  if (!server->is_valid()) {
    return absl::InternalError("httplib::SSLServer rejected the certificate");
  }
  server->set_keep_alive_max_count(options_.keep_alive_max_count);
  // Without TCP_NODELAY, Nagle + delayed ACKs add ~40 ms to every response
  // written in more than one piece (headers, then body).
  server->set_tcp_nodelay(true);
  if (options_.worker_threads > 0) {
    const auto threads = static_cast<std::size_t>(options_.worker_threads);
    server->new_task_queue = [threads] {
      return new httplib::ThreadPool(threads);
    };
  }
  // Routing happens on the raw target in HandleHttp. A request without
  // Content-Length or Transfer-Encoding has no body, so it is answered before
  // httplib tries to read one (httplib 0.11 rejects a body-less POST with
  // 400). Everything else reaches one catch-all handler per method once the
  // body is read; [\s\S] also matches a decoded '\n' (from %0A).
  server->set_pre_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) {
        if (req.has_header("Content-Length") ||
            req.has_header("Transfer-Encoding")) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        HandleHttp(req, res);
        return httplib::Server::HandlerResponse::Handled;
      });
  const char* kAnyPath = R"([\s\S]*)";
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    HandleHttp(req, res);
  };
  server->Get(kAnyPath, handler);
  server->Post(kAnyPath, handler);
  server->Put(kAnyPath, handler);
  server->Patch(kAnyPath, handler);
  server->Delete(kAnyPath, handler);
  server->Options(kAnyPath, handler);

  if (options_.port == 0) {
    port_ = server->bind_to_any_port(options_.bind_address);
    if (port_ < 0) port_ = 0;
  } else if (server->bind_to_port(options_.bind_address, options_.port)) {
    port_ = options_.port;
  }
  if (port_ <= 0) {
    port_ = 0;
    return absl::UnavailableError(absl::StrCat(
        "cannot bind ", options_.bind_address, ":", options_.port));
  }
  server_ = std::move(server);
  auto listen_done = std::make_shared<std::atomic<bool>>(false);
  listener_ = std::thread([server = server_.get(), listen_done] {
    server->listen_after_bind();
    listen_done->store(true);
  });
  // httplib 0.11 has no wait_until_ready(); poll is_running().
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server_->is_running()) {
    if (listen_done->load() || std::chrono::steady_clock::now() > deadline) {
      Stop();
      return absl::InternalError("the HTTPS listener did not start");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return absl::OkStatus();
}

void MaesnSimulator::Stop() {
  if (server_ != nullptr) server_->stop();
  if (listener_.joinable()) listener_.join();
}

int MaesnSimulator::port() const { return port_; }

std::string MaesnSimulator::base_url() const {
  return absl::StrCat("https://localhost:", port_);
}

std::string MaesnSimulator::ca_file() const { return cert_file_; }

std::string MaesnSimulator::key_file() const { return key_file_; }

std::vector<RecordedRequest> MaesnSimulator::Requests() const {
  absl::MutexLock lock(&mu_);
  return std::vector<RecordedRequest>(requests_.begin(), requests_.end());
}

void MaesnSimulator::ClearRequests() {
  absl::MutexLock lock(&mu_);
  requests_.clear();
}

int MaesnSimulator::ConnectionsSeen() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(connections_.size());
}

std::int64_t MaesnSimulator::RequestsSeen() const {
  absl::MutexLock lock(&mu_);
  return request_count_;
}

bool MaesnSimulator::AdvanceTask(const std::string& account_key,
                                 const std::string& task_id) {
  absl::MutexLock lock(&mu_);
  return AdvanceTaskLocked(account_key, task_id);
}

std::string MaesnSimulator::CreateTask(const std::string& account_key,
                                       TaskScript script) {
  absl::MutexLock lock(&mu_);
  return CreateTaskLocked(account_key, std::move(script));
}

std::optional<std::string> MaesnSimulator::TaskStatus(
    const std::string& account_key, const std::string& task_id) const {
  absl::MutexLock lock(&mu_);
  auto account = accounts_.find(account_key);
  if (account == accounts_.end()) return std::nullopt;
  auto task = account->second.tasks.find(task_id);
  if (task == account->second.tasks.end()) return std::nullopt;
  const TaskRun& run = task->second;
  std::size_t step = run.CurrentStep(std::chrono::steady_clock::now(),
                                     options_.task_step_interval);
  return run.script.steps[step].status;
}

absl::Status MaesnSimulator::PutRecord(const std::string& account_key,
                                       const std::string& resource,
                                       Record record) {
  absl::MutexLock lock(&mu_);
  AccountState* account = FindAccountLocked(account_key);
  if (account == nullptr) {
    return absl::NotFoundError("unknown account key (or not started)");
  }
  Collection* collection = account->FindCollection(resource);
  if (collection == nullptr) {
    return absl::NotFoundError(absl::StrCat("unknown resource ", resource));
  }
  return collection->Put(std::move(record));
}

void MaesnSimulator::SetRequestHook(RequestHook hook) {
  absl::MutexLock lock(&mu_);
  hook_ = std::move(hook);
}

void MaesnSimulator::SetFaultPlan(FaultPlan plan) {
  absl::MutexLock lock(&mu_);
  faults_ = std::move(plan);
}

AccountState* MaesnSimulator::FindAccountLocked(
    const std::string& account_key) {
  auto it = accounts_.find(account_key);
  return it == accounts_.end() ? nullptr : &it->second;
}

bool MaesnSimulator::AdvanceTaskLocked(const std::string& account_key,
                                       const std::string& task_id) {
  AccountState* account = FindAccountLocked(account_key);
  if (account == nullptr) return false;
  auto task = account->tasks.find(task_id);
  if (task == account->tasks.end()) return false;
  TaskRun& run = task->second;
  // Stop counting once the script is at its end, so that demo-mode time
  // and manual steps never overflow.
  const std::size_t last = run.script.steps.size() - 1;
  if (run.CurrentStep(std::chrono::steady_clock::now(),
                      options_.task_step_interval) < last) {
    ++run.manual_steps;
  }
  return true;
}

std::string MaesnSimulator::CreateTaskLocked(const std::string& account_key,
                                             TaskScript script) {
  AccountState* account = FindAccountLocked(account_key);
  if (account == nullptr || script.steps.empty()) return std::string();
  if (script.id.empty()) {
    // 32 upper-case hex digits, like the taskIds in Maesn's docs.
    char id[33];
    std::snprintf(id, sizeof(id), "51A7%028llX",
                  static_cast<unsigned long long>(next_task_number_++));
    script.id = id;
  }
  std::string id = script.id;
  account->tasks.insert_or_assign(
      id, TaskRun{std::move(script), 0, std::chrono::steady_clock::now()});
  return id;
}

namespace {

// The parsed request; `headers` as received.
ApiRequest MakeApiRequest(std::string method, std::string raw_target,
                          StringPairs headers, std::string body) {
  ApiRequest request;
  request.method = std::move(method);
  request.target = std::move(raw_target);
  absl::string_view target = request.target;
  absl::string_view raw_path = target.substr(0, target.find('?'));
  absl::string_view raw_query;
  if (std::size_t q = target.find('?'); q != absl::string_view::npos) {
    raw_query = target.substr(q + 1);
  }
  request.path = PercentDecode(raw_path, /*plus_is_space=*/false);
  request.segments = SplitPath(raw_path);
  request.query = ParseQuery(raw_query);
  request.headers = std::move(headers);
  request.body = std::move(body);
  request.account_key =
      FindHeader(request.headers, "X-ACCOUNT-KEY").value_or(std::string());
  return request;
}

}  // namespace

ApiResponse MaesnSimulator::Answer(std::string method, std::string target,
                                   const StringPairs& headers,
                                   std::string body) {
  ApiRequest request = MakeApiRequest(std::move(method), std::move(target),
                                      headers, std::move(body));
  return HandleMaesn(request, "in-process", 0);
}

void MaesnSimulator::HandleHttp(const httplib::Request& req,
                                httplib::Response& res) {
  StringPairs headers;
  for (const auto& [name, value] : req.headers) {
    if (!IsSyntheticHeader(name)) headers.emplace_back(name, value);
  }
  ApiRequest request =
      MakeApiRequest(req.method, req.target, std::move(headers), req.body);
  if (req.is_multipart_form_data()) {
    for (const auto& [name, part] : req.files) {
      request.parts.push_back(
          FormPart{part.name, part.filename, part.content_type, part.content});
    }
  }

  ApiResponse response =
      !request.segments.empty() && request.segments.front() == "_sim"
          ? HandleAdmin(request)
          : HandleMaesn(request, req.remote_addr, req.remote_port);
  if (options_.response_delay.count() > 0 &&
      (request.segments.empty() || request.segments.front() != "_sim")) {
    std::this_thread::sleep_for(options_.response_delay);
  }
  // Fault injection may hold the response (outside the lock).
  if (response.delay.count() > 0) std::this_thread::sleep_for(response.delay);
  if (response.before_send) response.before_send();
  res.status = response.status;
  for (const auto& [name, value] : response.headers) {
    res.set_header(name, value);
  }
  res.set_content(response.body, response.content_type.c_str());
}

ApiResponse MaesnSimulator::HandleMaesn(ApiRequest& request,
                                        const std::string& remote_addr,
                                        int remote_port) {
  absl::MutexLock lock(&mu_);
  ++request_count_;
  connections_.emplace(remote_addr, remote_port);
  requests_.push_back(
      RecordedRequest{request.method, request.target, request.path,
                      request.query, request.headers, request.body,
                      request.account_key, remote_port, request.parts});
  if (options_.max_recorded_requests > 0 &&
      requests_.size() > options_.max_recorded_requests) {
    requests_.pop_front();
  }
  if (hook_) {
    if (std::optional<ApiResponse> injected = hook_(request)) {
      return *std::move(injected);
    }
  }
  std::chrono::milliseconds delay{0};
  if (std::optional<HttpFault> fault = faults_.Next(request)) {
    if (fault->response.has_value()) {
      fault->response->delay = fault->delay;
      return *std::move(fault->response);
    }
    delay = fault->delay;  // "slow": the normal answer, late
  }
  ApiResponse response = RouteLocked(request);
  response.delay = std::max(response.delay, delay);
  return response;
}

ApiResponse MaesnSimulator::RouteLocked(ApiRequest& request) {
  // Maesn's accounting API and its auth reads (/auth/companies, ...).
  if (request.segments.empty() || (request.segments.front() != "accounting" &&
                                   request.segments.front() != "auth")) {
    return ErrorResponse(
        404, absl::StrCat("Cannot ", request.method, " ", request.path));
  }
  // Auth as documented: 401 for a missing or wrong key, 403 for an inactive
  // end-user account. Messages never echo the keys.
  std::optional<std::string> api_key = FindHeader(request.headers, "X-API-KEY");
  if (!api_key.has_value() || *api_key != options_.api_key) {
    return ErrorResponse(401, "Unauthorized: missing or invalid X-API-KEY");
  }
  if (Contains(options_.inactive_account_keys, request.account_key)) {
    return ErrorResponse(403, "Forbidden: the end-user account is inactive");
  }
  AccountState* account = FindAccountLocked(request.account_key);
  if (account == nullptr) {
    return ErrorResponse(401, "Unauthorized: missing or invalid X-ACCOUNT-KEY");
  }
  const RouteHandler* handler =
      router_.Match(request.method, request.segments, &request.params);
  if (handler == nullptr) {
    return ErrorResponse(
        404, absl::StrCat("Cannot ", request.method, " ", request.path));
  }
  RouteContext context{*account, std::chrono::steady_clock::now(),
                       options_.task_step_interval};
  return (*handler)(request, context);
}

ApiResponse MaesnSimulator::HandleAdmin(const ApiRequest& request) {
  const std::vector<std::string>& s = request.segments;
  const std::string& method = request.method;
  absl::MutexLock lock(&mu_);
  if (method == "GET" && s.size() == 2 && s[1] == "health") {
    return JsonResponse(200, Json::object({{"status", "ok"}}));
  }
  if (method == "GET" && s.size() == 2 && s[1] == "requests") {
    Json list = Json::array();
    for (const RecordedRequest& recorded : requests_) {
      list.push_back(RecordedRequestToJson(recorded));
    }
    return JsonResponse(200, list);
  }
  if (method == "POST" && s.size() == 3 && s[1] == "requests" &&
      s[2] == "clear") {
    Json body = Json::object();
    body["cleared"] = requests_.size();
    requests_.clear();
    return JsonResponse(200, body);
  }
  if (method == "GET" && s.size() == 2 && s[1] == "stats") {
    Json body = Json::object();
    body["connections"] = connections_.size();
    body["requests"] = request_count_;
    return JsonResponse(200, body);
  }
  if (s.size() == 2 && s[1] == "faults") {
    if (method == "GET") return JsonResponse(200, faults_.Stats());
    if (method == "POST") {
      Json body =
          Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
      if (body.is_discarded()) return ErrorResponse(400, "body must be JSON");
      absl::StatusOr<FaultPlan> plan = FaultPlan::FromJson(body);
      if (!plan.ok()) return ErrorResponse(400, plan.status().message());
      faults_ = *std::move(plan);
      return JsonResponse(200, faults_.Stats());
    }
  }
  const std::string default_account = options_.account_keys.empty()
                                          ? std::string()
                                          : options_.account_keys.front();
  if (method == "POST" && s.size() == 2 && s[1] == "tasks") {
    Json body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object()) {
      return ErrorResponse(400, "body must be a JSON object");
    }
    std::string account_key = default_account;
    if (auto account = body.find("account"); account != body.end()) {
      if (!account->is_string()) {
        return ErrorResponse(400, "\"account\" must be a string");
      }
      account_key = account->get<std::string>();
    }
    absl::StatusOr<TaskScript> script = TaskScriptFromJson(body);
    if (!script.ok()) return ErrorResponse(400, script.status().message());
    if (FindAccountLocked(account_key) == nullptr) {
      return ErrorResponse(404, "unknown account");
    }
    Json reply = Json::object();
    reply["id"] = CreateTaskLocked(account_key, *std::move(script));
    return JsonResponse(201, reply);
  }
  if (method == "POST" && s.size() == 4 && s[1] == "tasks" &&
      s[3] == "advance") {
    const std::string account_key =
        request.Query("account").value_or(default_account);
    if (!AdvanceTaskLocked(account_key, s[2])) {
      return ErrorResponse(404, "unknown account or task");
    }
    const TaskRun& run = accounts_.at(account_key).tasks.at(s[2]);
    Json reply = Json::object();
    reply["id"] = s[2];
    reply["status"] =
        run.script
            .steps[run.CurrentStep(std::chrono::steady_clock::now(),
                                   options_.task_step_interval)]
            .status;
    return JsonResponse(200, reply);
  }
  return ErrorResponse(404, absl::StrCat("Cannot ", method, " ", request.path));
}

}  // namespace maesn::sim
