// Store-backed Maesn resources that need data, not code: each is a row of
// kResources (path, id parameter, id field and prefix, required create
// properties, whether Maesn may process it asynchronously).
//
//   GET  <path>           page/limit (400 unless 5/10/20/50/100),
//                         lastModifiedAt (updatedDate after it), rawData;
//                         meta.pagination
//   GET  <path>/{id}      the record; 404 when unknown
//   POST <path>           201 with the stored record (id, createdDate and
//                         updatedDate added); 400 naming missing required
//                         properties
//
// Asynchronous processing (Maesn does it for some target systems, e.g.
// DATEV): for an account key containing "datev" (the simulator's
// "sim-datev-account-key"), a resource marked
// `async` answers GET <path> and POST <path> with 202 and
// {"data": {...partial record, "taskId": id}}; the task goes PENDING ->
// SUCCESS (one step per advance or per demo interval) with the list page
// or the created record as its responseData. The created record is stored
// at once, as the target system would have it once the task ends.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "resource_support.h"
#include "router.h"

namespace maesn::sim {
namespace {

struct ResourceSpec {
  const char* resource;  // collection name and last path segment
  const char* path;      // e.g. "/accounting/contacts"
  const char* id_param;  // e.g. "contactId"
  const char* id_prefix;
  std::initializer_list<const char*> required;  // create body properties
  bool async;
};

constexpr ResourceSpec kResources[] = {
    {"contacts",
     "/accounting/contacts",
     "contactId",
     "CON",
     {"contactType"},
     true},
};

bool ProcessesAsync(const ResourceSpec& spec, const ApiRequest& request) {
  return spec.async && absl::StrContains(request.account_key, "datev");
}

// Starts a task PENDING -> SUCCESS whose responseData is `result`.
std::string StartTask(RouteContext& context, Json result) {
  TaskScript script;
  script.id = NewId(context.account, "TASK");
  script.integration = "datev-duo";
  script.steps.push_back(TaskStep{"PENDING", {}, std::nullopt});
  script.steps.push_back(TaskStep{"SUCCESS", {}, std::move(result)});
  const std::string id = script.id;
  context.account.tasks.insert_or_assign(
      id, TaskRun{std::move(script), 0, context.now});
  return id;
}

ApiResponse List(const ResourceSpec& spec, const ApiRequest& request,
                 RouteContext& context) {
  FieldErrors errors;
  const PageParams page = ReadPageParams(request, errors);
  ListFilter filter;
  filter.modified_after = ReadTimeParam(request, "lastModifiedAt", errors);
  if (!errors.empty()) return ValidationError(errors);
  std::vector<const Json*> all;
  if (Collection* records = context.account.FindCollection(spec.resource)) {
    for (const Record* r : records->All()) all.push_back(&r->data);
  }
  Json envelope =
      PagedEnvelope(SelectRecords(all, filter), page,
                    request.QueryFlag("rawData"), [](const Json& record) {
                      return Json::object({{"record", record}});
                    });
  if (ProcessesAsync(spec, request)) {
    const std::string task = StartTask(context, envelope["data"]);
    return JsonResponse(202, Envelope(Json::object({{"taskId", task}})));
  }
  return JsonResponse(200, envelope);
}

ApiResponse Get(const ResourceSpec& spec, const ApiRequest& request,
                RouteContext& context) {
  Collection* records = context.account.FindCollection(spec.resource);
  const Record* record = records == nullptr
                             ? nullptr
                             : records->Find(request.Param(spec.id_param));
  if (record == nullptr) {
    return ErrorResponse(404, absl::StrCat("No ", spec.resource, " found"));
  }
  return RecordResponse(request, *record, [](const Json& data) {
    return Json::object({{"record", data}});
  });
}

ApiResponse Create(const ResourceSpec& spec, const ApiRequest& request,
                   RouteContext& context) {
  std::optional<Json> body = ParseObjectBody(request);
  if (!body.has_value()) return ErrorResponse(400, "the body must be JSON");
  FieldErrors errors;
  for (const char* property : spec.required) {
    if (!body->contains(property) || (*body)[property].is_null()) {
      errors.emplace_back(property,
                          absl::StrCat(property, " should not be empty"));
    }
  }
  if (!errors.empty()) return ValidationError(errors);
  Collection* records = context.account.FindCollection(spec.resource);
  if (records == nullptr) return ErrorResponse(500, "no such collection");
  Json data = *std::move(body);
  if (!data.contains("id") || !data["id"].is_string()) {
    data["id"] = NewId(context.account, spec.id_prefix);
  }
  const std::string now =
      IsoTime(absl::FromChrono(std::chrono::system_clock::now()));
  data["createdDate"] = now;
  data["updatedDate"] = now;
  Record record;
  record.data = data;
  if (absl::Status s = records->Put(std::move(record)); !s.ok()) {
    return ErrorResponse(400, s.message());
  }
  if (ProcessesAsync(spec, request)) {
    Json partial = data;
    partial["taskId"] = StartTask(context, data);
    return JsonResponse(202, Envelope(std::move(partial)));
  }
  return JsonResponse(201, Envelope(std::move(data)));
}

}  // namespace

void RegisterResourceRoutes(Router& router) {
  for (const ResourceSpec& spec : kResources) {
    router.Handle("GET", spec.path,
                  [&spec](const ApiRequest& request, RouteContext& context) {
                    return List(spec, request, context);
                  });
    router.Handle("POST", spec.path,
                  [&spec](const ApiRequest& request, RouteContext& context) {
                    return Create(spec, request, context);
                  });
    router.Handle("GET", absl::StrCat(spec.path, "/{", spec.id_param, "}"),
                  [&spec](const ApiRequest& request, RouteContext& context) {
                    return Get(spec, request, context);
                  });
  }
}

}  // namespace maesn::sim
