#ifndef MAESN_TESTS_TESTING_FAKE_TASK_STUB_H_
#define MAESN_TESTS_TESTING_FAKE_TASK_STUB_H_

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gateway/common/clock.h"
#include "gateway/maesn/http_status.h"
#include "gateway/mapping/task_mapping.h"
#include "gateway/watch/task_poller.h"

namespace maesn::testing {

namespace v1 = ::maesn::accounting::v1;

// A task answer as Maesn would send it, read by the real mapping: `status`
// verbatim, `information` entries "info 0".."info n-1", optional
// `response_data` JSON.
inline absl::StatusOr<v1::GetTaskResponse> TaskAnswer(
    const std::string& status, int information = 0,
    const std::string& response_data_json = "") {
  std::string info = "[";
  for (int i = 0; i < information; ++i) {
    absl::StrAppend(&info, i == 0 ? "" : ",", R"({"message":"info )", i,
                    R"(","type":"information"})");
  }
  info += "]";
  std::string body =
      absl::StrCat(R"({"meta":{"warnings":[]},"data":{"status":")", status,
                   R"(","information":)", info);
  if (!response_data_json.empty()) {
    absl::StrAppend(&body, R"(,"responseData":)", response_data_json);
  }
  body += "}}";
  v1::GetTaskResponse out;
  absl::Status s = gateway::mapping::ParseTaskResponse(
      body, "task", *out.mutable_task(), *out.mutable_meta());
  if (!s.ok()) return s;
  return out;
}

// The error status the real stub returns for Maesn answering `http`.
inline absl::Status HttpError(int http, const std::string& retry_after = "") {
  gateway::HttpResponse response;
  response.status = http;
  response.body = R"({"statusCode":0,"message":"scripted"})";
  if (!retry_after.empty())
    response.headers.emplace_back("Retry-After", retry_after);
  return gateway::StatusFromHttpResponse(response, "getAsyncTaskInfo");
}

// A TaskPoller that answers from per-key scripts and records every
// call. The key is "api|account|company|environment|task". Each call takes
// the script's next answer; the last one repeats. Unscripted keys answer
// NOT_FOUND. Block() makes calls wait until Release().
// Thread-safe.
class FakeTaskStub : public gateway::TaskPoller {
 public:
  struct Call {
    absl::Time at;
    gateway::Credentials credentials;
    v1::GetTaskRequest request;
  };

  explicit FakeTaskStub(std::shared_ptr<gateway::Clock> clock)
      : clock_(std::move(clock)) {}

  static std::string Key(const std::string& api, const std::string& account,
                         const std::string& task,
                         const std::string& company = "",
                         const std::string& environment = "") {
    return absl::StrCat(api, "|", account, "|", company, "|", environment, "|",
                        task);
  }

  void Script(const std::string& key,
              std::vector<absl::StatusOr<v1::GetTaskResponse>> answers) {
    absl::MutexLock lock(&mu_);
    scripts_[key] = std::deque<absl::StatusOr<v1::GetTaskResponse>>(
        answers.begin(), answers.end());
  }
  // Appends answers to a key's script (after its current last one).
  void Append(const std::string& key,
              std::vector<absl::StatusOr<v1::GetTaskResponse>> answers) {
    absl::MutexLock lock(&mu_);
    for (auto& a : answers) scripts_[key].push_back(std::move(a));
  }

  // Each call takes this long on the clock (Maesn's latency); with a
  // FakeClock the time passes at once.
  void SetLatency(absl::Duration latency) {
    absl::MutexLock lock(&mu_);
    latency_ = latency;
  }

  void Block() {
    absl::MutexLock lock(&mu_);
    blocked_ = true;
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    blocked_ = false;
  }
  // Waits until `n` calls are waiting in Block() (real time).
  bool AwaitBlockedCalls(int n, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return waiting_ >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }

  std::vector<Call> calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

  absl::StatusOr<v1::GetTaskResponse> PollTask(
      gateway::CallContext& context,
      const v1::GetTaskRequest& request) override {
    absl::Duration latency;
    {
      absl::MutexLock lock(&mu_);
      calls_.push_back({clock_->Now(), context.credentials, request});
      latency = latency_;
    }
    if (latency > absl::ZeroDuration()) clock_->SleepFor(latency);
    absl::MutexLock lock(&mu_);
    ++waiting_;
    mu_.Await(absl::Condition(
        +[](bool* blocked) { return !*blocked; }, &blocked_));
    --waiting_;
    auto it = scripts_.find(Key(
        context.credentials.api_key, context.credentials.account_key,
        request.task_id(), request.company_id(), request.environment_name()));
    if (it == scripts_.end() || it->second.empty()) {
      return HttpError(404);
    }
    absl::StatusOr<v1::GetTaskResponse> answer = it->second.front();
    if (it->second.size() > 1) it->second.pop_front();
    if (answer.ok()) answer->mutable_task()->set_task_id(request.task_id());
    return answer;
  }

 private:
  const std::shared_ptr<gateway::Clock> clock_;
  absl::Duration latency_ ABSL_GUARDED_BY(mu_);
  mutable absl::Mutex mu_;
  std::map<std::string, std::deque<absl::StatusOr<v1::GetTaskResponse>>>
      scripts_ ABSL_GUARDED_BY(mu_);
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);
  bool blocked_ ABSL_GUARDED_BY(mu_) = false;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace maesn::testing

#endif  // MAESN_TESTS_TESTING_FAKE_TASK_STUB_H_
