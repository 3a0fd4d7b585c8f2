// Request/response types, routing and response helpers shared by the
// simulator's per-resource route files (routes_*.cc).
//
// Adding a store-backed resource: a ResourceSpec file (store.h) in the data
// directory's resources/, no code. An operation with behaviour of its own:
// write `RegisterXxxRoutes(Router&)` in a new routes_xxx.cc, declare it
// below and call it from RegisterMaesnRoutes (router.cc). Fault injection hooks
// in before routing: see MaesnSimulator::SetRequestHook.
#ifndef MAESN_TESTS_SIM_ROUTER_H_
#define MAESN_TESTS_SIM_ROUTER_H_

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "store.h"

namespace maesn::sim {

using StringPairs = std::vector<std::pair<std::string, std::string>>;

// A request as the Maesn routes see it. Auth has already been checked.
struct ApiRequest {
  std::string method;                 // "GET", "POST", ...
  std::string target;                 // Raw request target, still encoded.
  std::string path;                   // Decoded path.
  std::vector<std::string> segments;  // Path split on '/', then decoded.
  StringPairs query;                  // Decoded, in order.
  StringPairs headers;
  std::string body;
  // The parts of a multipart/form-data body (then `body` is empty).
  std::vector<FormPart> parts;
  std::string account_key;
  std::map<std::string, std::string> params;  // `{name}` captures.

  // First query value named `name`, if any.
  std::optional<std::string> Query(absl::string_view name) const;
  // True when query `name` is "true" (case-insensitive) or "1".
  bool QueryFlag(absl::string_view name) const;
  // Path capture `{name}`; empty when absent.
  std::string Param(const std::string& name) const;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  StringPairs headers;
  // Runs on the server thread without the simulator's lock, just before
  // the response is written: a request hook can hold a response back (e.g.
  // until a test lets it go) to make the client time out after the request
  // has been received and handled.
  std::function<void()> before_send;
  // Fault injection: the simulator waits this long before answering,
  // without holding its lock.
  std::chrono::milliseconds delay{0};
};

// What a route handler may touch. Handlers run with the simulator's lock
// held, so they may read and change `account` freely but must not block.
struct RouteContext {
  AccountState& account;
  std::chrono::steady_clock::time_point now;
  std::chrono::milliseconds task_step_interval;
};

using RouteHandler =
    std::function<ApiResponse(const ApiRequest&, RouteContext&)>;

// Maps (method, path pattern) to handlers. A pattern is a path such as
// "/accounting/invoices/{invoiceId}"; a `{name}` segment matches any one
// decoded segment (which may contain '/', if it was sent as %2F).
class Router {
 public:
  void Handle(std::string method, absl::string_view pattern,
              RouteHandler handler);

  // The handler for `method` + `segments`, with captures stored in
  // `*params`; nullptr when nothing matches.
  const RouteHandler* Match(const std::string& method,
                            const std::vector<std::string>& segments,
                            std::map<std::string, std::string>* params) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{name}" = capture.
    RouteHandler handler;
  };
  std::vector<Route> routes_;
};

// --- URL helpers -----------------------------------------------------------

// Decodes %XX escapes (invalid escapes stay as they are); with
// `plus_is_space`, '+' becomes ' ' (query strings).
std::string PercentDecode(absl::string_view text, bool plus_is_space);
// "/a/b%2Fc" -> {"a", "b/c"}: split on '/' first, then decode each segment.
std::vector<std::string> SplitPath(absl::string_view raw_path);
// "a=1&b=x%20y" -> {{"a","1"},{"b","x y"}}.
StringPairs ParseQuery(absl::string_view raw_query);

// --- Response helpers ------------------------------------------------------

ApiResponse JsonResponse(int status, const Json& body);
// NestJS-like error body {"statusCode":N,"message":...,"error":<reason>}.
ApiResponse ErrorResponse(int status, absl::string_view message);
// The Maesn envelope {"meta":meta,"data":data[,"rawData":raw]}; a null `meta`
// becomes {"warnings":[]} and a null `raw_data` leaves rawData out.
Json Envelope(Json data, Json meta = nullptr, Json raw_data = nullptr);
// 200 with the envelope of `record` (GET by id): honours data_as_array,
// the record's meta, and rawData=true (record.raw_data or `make_raw`(data)).
ApiResponse RecordResponse(const ApiRequest& request, const Record& record,
                           const std::function<Json(const Json&)>& make_raw);

// --- Route registration, one function per resource file --------------------

void RegisterInvoiceRoutes(Router& router);  // routes_invoices.cc
void RegisterBillRoutes(Router& router);     // routes_bills.cc
void RegisterTaskRoutes(Router& router);     // routes_tasks.cc
// Store-backed resources described by data (resources/*.json: contacts, ...).
void RegisterResourceRoutes(Router& router,
                            const std::vector<ResourceSpec>& specs);
// All of the above: the simulator's Maesn API.
void RegisterMaesnRoutes(Router& router,
                         const std::vector<ResourceSpec>& specs);

}  // namespace maesn::sim

#endif  // MAESN_TESTS_SIM_ROUTER_H_
