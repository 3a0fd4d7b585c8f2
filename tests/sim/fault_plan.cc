#include "fault_plan.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace maesn::sim {
namespace {

std::string StringOption(const Json& options, const char* key,
                         const std::string& fallback) {
  if (!options.is_object()) return fallback;
  auto it = options.find(key);
  if (it == options.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

absl::StatusOr<HttpFault> FaultFromJson(const Json& j) {
  if (!j.is_object()) {
    return absl::InvalidArgumentError("a fault must be a JSON object");
  }
  HttpFault fault;
  if (auto kind = j.find("kind"); kind != j.end()) {
    if (!kind->is_string()) {
      return absl::InvalidArgumentError("\"kind\" must be a string");
    }
    auto named = NamedFault(kind->get<std::string>(), j);
    if (!named.ok()) return named.status();
    fault = *std::move(named);
  } else {
    auto status = j.find("status");
    if (status == j.end() || !status->is_number_integer()) {
      return absl::InvalidArgumentError(
          "a fault needs \"kind\" or an integer \"status\"");
    }
    ApiResponse r;
    r.status = status->get<int>();
    r.body = StringOption(j, "body", "");
    r.content_type = StringOption(j, "contentType", "application/json");
    if (auto h = j.find("headers"); h != j.end() && h->is_object()) {
      for (auto it = h->begin(); it != h->end(); ++it) {
        if (it->is_string()) r.headers.emplace_back(it.key(), *it);
      }
    }
    fault.kind = absl::StrCat("status_", r.status);
    fault.response = std::move(r);
  }
  if (auto d = j.find("delayMs"); d != j.end()) {
    if (!d->is_number_integer() || d->get<int64_t>() < 0) {
      return absl::InvalidArgumentError("\"delayMs\" must be a whole number");
    }
    fault.delay = std::chrono::milliseconds(d->get<int64_t>());
  }
  return fault;
}

}  // namespace

absl::StatusOr<HttpFault> NamedFault(absl::string_view name,
                                     const Json& options) {
  HttpFault f;
  f.kind = std::string(name);
  const std::string retry_after = StringOption(options, "retryAfter", "");
  if (name == "rate_limited") {
    f.response = ErrorResponse(429, "Too many requests");
    f.response->headers.emplace_back("Retry-After",
                                     retry_after.empty() ? "1" : retry_after);
  } else if (name == "unavailable") {
    f.response = ErrorResponse(503, "Service unavailable");
    if (!retry_after.empty()) {
      f.response->headers.emplace_back("Retry-After", retry_after);
    }
  } else if (name == "bad_gateway") {
    f.response = ErrorResponse(502, "Bad gateway");
  } else if (name == "gateway_timeout") {
    f.response = ErrorResponse(504, "Gateway timeout");
  } else if (name == "internal") {
    f.response = ErrorResponse(500, "Internal server error");
  } else if (name == "not_found") {
    f.response = ErrorResponse(404, "Record not found");
  } else if (name == "not_supported") {
    f.response = ErrorResponse(
        404, "This endpoint is not supported by the target system");
  } else if (name == "target_not_found") {
    f.response = ErrorResponse(405, "Target system not found");
  } else if (name == "validation") {
    Json body = Json::object();
    body["statusCode"] = 400;
    body["message"] = "Validation failed";
    Json errors = Json::object();
    if (options.is_object()) {
      if (auto e = options.find("errors"); e != options.end()) errors = *e;
    }
    body["validationErrors"] = std::move(errors);
    f.response = JsonResponse(400, body);
  } else if (name == "html") {
    ApiResponse r;
    r.status = 502;
    r.content_type = "text/html";
    r.body =
        "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
        "<body><h1>Bad Gateway</h1><p>The proxy could not reach the "
        "upstream.</p></body></html>";
    f.response = std::move(r);
  } else if (name == "garbage") {
    ApiResponse r;
    r.status = 200;
    r.body = R"({"meta":{"warnings":[]},"data":{"invoiceId":"AB)";
    f.response = std::move(r);
  } else if (name == "wrong_content_type") {
    ApiResponse r;
    r.status = 200;
    r.content_type = "text/plain";
    r.body = "OK";
    f.response = std::move(r);
  } else if (name == "redirect") {
    ApiResponse r;
    r.status = 302;
    r.content_type = "text/plain";
    r.headers.emplace_back(
        "Location", StringOption(options, "location",
                                 "https://attacker.invalid/accounting/"));
    f.response = std::move(r);
  } else if (name == "slow") {
    // The normal answer, late (delayMs).
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown fault kind \"", name, "\""));
  }
  return f;
}

absl::StatusOr<FaultPlan> FaultPlan::FromJson(const Json& json) {
  if (!json.is_object()) {
    return absl::InvalidArgumentError("the fault plan must be an object");
  }
  FaultPlan plan;
  for (const char* list : {"next", "pool"}) {
    auto it = json.find(list);
    if (it == json.end()) continue;
    if (!it->is_array()) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", list, "\" must be an array"));
    }
    for (const Json& j : *it) {
      auto fault = FaultFromJson(j);
      if (!fault.ok()) return fault.status();
      if (list[0] == 'n') {
        plan.next_.push_back(*std::move(fault));
      } else {
        plan.pool_.push_back(*std::move(fault));
      }
    }
  }
  if (auto r = json.find("rate"); r != json.end()) {
    if (!r->is_number() || r->get<double>() < 0 || r->get<double>() > 1) {
      return absl::InvalidArgumentError("\"rate\" must be from 0 to 1");
    }
    plan.rate_ = r->get<double>();
  }
  if (auto s = json.find("seed"); s != json.end() && s->is_number_unsigned()) {
    plan.rng_.seed(s->get<std::uint64_t>());
  }
  if (auto p = json.find("pathPrefix"); p != json.end() && p->is_string()) {
    plan.path_prefix_ = p->get<std::string>();
  }
  return plan;
}

std::optional<HttpFault> FaultPlan::Next(const ApiRequest& request) {
  if (!absl::StartsWith(request.path, path_prefix_)) return std::nullopt;
  std::optional<HttpFault> out;
  if (!next_.empty()) {
    out = std::move(next_.front());
    next_.pop_front();
  } else if (rate_ > 0 && !pool_.empty() &&
             std::uniform_real_distribution<double>(0, 1)(rng_) < rate_) {
    out = pool_[std::uniform_int_distribution<std::size_t>(
        0, pool_.size() - 1)(rng_)];
  }
  if (out.has_value()) ++injected_[out->kind];
  return out;
}

Json FaultPlan::Stats() const {
  Json out = Json::object();
  Json injected = Json::object();
  for (const auto& [kind, n] : injected_) injected[kind] = n;
  out["injected"] = std::move(injected);
  out["pending"] = next_.size();
  return out;
}

}  // namespace maesn::sim
