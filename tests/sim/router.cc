#include "router.h"

#include <cstddef>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace maesn::sim {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsCapture(const std::string& segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Error";
  }
}

}  // namespace

std::optional<std::string> ApiRequest::Query(absl::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

bool ApiRequest::QueryFlag(absl::string_view name) const {
  std::optional<std::string> value = Query(name);
  return value.has_value() &&
         (absl::EqualsIgnoreCase(*value, "true") || *value == "1");
}

std::string ApiRequest::Param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

void Router::Handle(std::string method, absl::string_view pattern,
                    RouteHandler handler) {
  Route route;
  route.method = std::move(method);
  // Patterns are written unencoded, so split without decoding.
  absl::string_view path = pattern;
  if (absl::StartsWith(path, "/")) path.remove_prefix(1);
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    route.segments.emplace_back(part);
  }
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

const RouteHandler* Router::Match(
    const std::string& method, const std::vector<std::string>& segments,
    std::map<std::string, std::string>* params) const {
  for (const Route& route : routes_) {
    if (route.method != method || route.segments.size() != segments.size()) {
      continue;
    }
    std::map<std::string, std::string> captures;
    bool matched = true;
    for (std::size_t i = 0; i < segments.size() && matched; ++i) {
      const std::string& want = route.segments[i];
      if (IsCapture(want)) {
        // An empty segment ("/invoices/") never names a record.
        if (segments[i].empty()) matched = false;
        captures[want.substr(1, want.size() - 2)] = segments[i];
      } else if (want != segments[i]) {
        matched = false;
      }
    }
    if (matched) {
      *params = std::move(captures);
      return &route.handler;
    }
  }
  return nullptr;
}

std::string PercentDecode(absl::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::vector<std::string> SplitPath(absl::string_view raw_path) {
  std::vector<std::string> segments;
  if (absl::StartsWith(raw_path, "/")) raw_path.remove_prefix(1);
  for (absl::string_view part : absl::StrSplit(raw_path, '/')) {
    segments.push_back(PercentDecode(part, /*plus_is_space=*/false));
  }
  return segments;
}

StringPairs ParseQuery(absl::string_view raw_query) {
  StringPairs pairs;
  for (absl::string_view part :
       absl::StrSplit(raw_query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(part, absl::MaxSplits('=', 1));
    pairs.emplace_back(PercentDecode(kv.first, /*plus_is_space=*/true),
                       PercentDecode(kv.second, /*plus_is_space=*/true));
  }
  return pairs;
}

ApiResponse JsonResponse(int status, const Json& body) {
  ApiResponse response;
  response.status = status;
  response.body = body.dump();
  return response;
}

ApiResponse ErrorResponse(int status, absl::string_view message) {
  Json body = Json::object();
  body["statusCode"] = status;
  body["message"] = std::string(message);
  body["error"] = ReasonPhrase(status);
  return JsonResponse(status, body);
}

Json Envelope(Json data, Json meta, Json raw_data) {
  Json envelope = Json::object();
  if (meta.is_null()) {
    meta = Json::object();
    meta["warnings"] = Json::array();
  }
  envelope["meta"] = std::move(meta);
  envelope["data"] = std::move(data);
  if (!raw_data.is_null()) envelope["rawData"] = std::move(raw_data);
  return envelope;
}

ApiResponse RecordResponse(const ApiRequest& request, const Record& record,
                           const std::function<Json(const Json&)>& make_raw) {
  Json data = record.data;
  if (record.data_as_array) {
    Json one = Json::array();
    one.push_back(std::move(data));
    data = std::move(one);
  }
  Json raw = nullptr;
  if (request.QueryFlag("rawData")) {
    raw = record.raw_data.is_null() ? make_raw(record.data) : record.raw_data;
  }
  return JsonResponse(200,
                      Envelope(std::move(data), record.meta, std::move(raw)));
}

void RegisterMaesnRoutes(Router& router,
                         const std::vector<ResourceSpec>& specs) {
  RegisterInvoiceRoutes(router);
  RegisterBillRoutes(router);
  RegisterTaskRoutes(router);
  RegisterResourceRoutes(router, specs);
}

}  // namespace maesn::sim
