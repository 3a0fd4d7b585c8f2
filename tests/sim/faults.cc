#include "faults.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace maesn::sim {
namespace {

absl::Status RuleError(std::size_t index, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("fault rule ", index, ": ", what));
}

// Reads the optional string member `name` of `rule` into `*out`.
absl::Status ReadString(const Json& rule, std::size_t index, const char* name,
                        std::string* out) {
  auto it = rule.find(name);
  if (it == rule.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_string()) {
    return RuleError(index, absl::StrCat("\"", name, "\" must be a string"));
  }
  *out = it->get<std::string>();
  return absl::OkStatus();
}

absl::StatusOr<FaultRule> ParseRule(const Json& rule, std::size_t index) {
  if (!rule.is_object()) return RuleError(index, "must be a JSON object");
  FaultRule out;
  for (auto [name, target] :
       {std::pair<const char*, std::string*>{"method", &out.method},
        {"path", &out.path},
        {"account", &out.account_key},
        {"message", &out.message}}) {
    if (absl::Status s = ReadString(rule, index, name, target); !s.ok()) {
      return s;
    }
  }
  auto status = rule.find("status");
  if (status == rule.end() || !status->is_number_integer() ||
      status->get<long long>() < 400 || status->get<long long>() > 599) {
    return RuleError(index, "\"status\" must be an integer from 400 to 599");
  }
  out.status = static_cast<int>(status->get<long long>());
  if (auto times = rule.find("times"); times != rule.end()) {
    if (!times->is_number_integer() || times->get<long long>() < 0 ||
        times->get<long long>() > 1000000) {
      return RuleError(index, "\"times\" must be an integer from 0 to 1000000");
    }
    out.times = static_cast<int>(times->get<long long>());
  }
  if (auto headers = rule.find("headers"); headers != rule.end()) {
    if (!headers->is_object()) {
      return RuleError(index, "\"headers\" must be an object of strings");
    }
    for (const auto& [name, value] : headers->items()) {
      if (!value.is_string()) {
        return RuleError(index, absl::StrCat("header \"", name,
                                             "\" must have a string value"));
      }
      out.headers.emplace_back(name, value.get<std::string>());
    }
  }
  if (out.message.empty()) {
    out.message = absl::StrCat("Injected fault: HTTP ", out.status);
  }
  return out;
}

// The rules and how many faults each has left; shared by every copy of the
// hook.
class FaultState {
 public:
  explicit FaultState(std::vector<FaultRule> rules) : rules_(std::move(rules)) {
    for (const FaultRule& rule : rules_) remaining_.push_back(rule.times);
  }

  std::optional<ApiResponse> Apply(const ApiRequest& request) {
    absl::MutexLock lock(&mu_);
    for (std::size_t i = 0; i < rules_.size(); ++i) {
      const FaultRule& rule = rules_[i];
      if (!Matches(rule, request)) continue;
      if (rule.times > 0) {
        if (remaining_[i] == 0) continue;
        --remaining_[i];
      }
      ApiResponse response = ErrorResponse(rule.status, rule.message);
      response.headers = rule.headers;
      return response;
    }
    return std::nullopt;
  }

 private:
  static bool Matches(const FaultRule& rule, const ApiRequest& request) {
    return (rule.method.empty() || rule.method == request.method) &&
           (rule.path.empty() || rule.path == request.path) &&
           (rule.account_key.empty() ||
            rule.account_key == request.account_key);
  }

  const std::vector<FaultRule> rules_;
  absl::Mutex mu_;
  std::vector<int> remaining_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<std::vector<FaultRule>> ParseFaultRules(absl::string_view json) {
  const Json parsed = Json::parse(json.begin(), json.end(), nullptr,
                                  /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_array()) {
    return absl::InvalidArgumentError("faults must be a JSON array of rules");
  }
  std::vector<FaultRule> rules;
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    absl::StatusOr<FaultRule> rule = ParseRule(parsed[i], i);
    if (!rule.ok()) return rule.status();
    rules.push_back(*std::move(rule));
  }
  return rules;
}

MaesnSimulator::RequestHook MakeFaultHook(std::vector<FaultRule> rules) {
  auto state = std::make_shared<FaultState>(std::move(rules));
  return [state](const ApiRequest& request) { return state->Apply(request); };
}

}  // namespace maesn::sim
