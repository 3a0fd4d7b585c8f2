// Maesn async task route (docs/maesn-api.md §4).
//
// GET /accounting/asyncTask/{taskId} (and the older query form
// GET /accounting/asyncTask?taskId=...) returns the AsyncTaskResponseDto of
// the task's current scripted step (after the step's scripted faults, one
// error per request: 503, 429 with Retry-After, ...). For
// "datev-rewe-export" tasks whose responseData is a list, `page` selects a
// fixed 50 000-entry page and meta.pagination is filled in, as DATEV
// Rechnungswesen does (`limit` is refused there); other tasks page a list
// responseData by `page` and `limit` when either is sent.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "resource_support.h"
#include "router.h"

namespace maesn::sim {
namespace {

constexpr std::int64_t kDatevExportPageSize = 50000;

// Cuts the page `page` of `page_size` entries out of the list responseData
// in place and returns its meta.pagination.
Json PageResponseData(Json& dto, std::int64_t page, std::int64_t page_size) {
  Json& list = dto["responseData"];
  const auto total = static_cast<std::int64_t>(list.size());
  const std::int64_t first = (page - 1) * page_size;
  Json slice = Json::array();
  for (std::int64_t i = first; i < total && i < first + page_size; ++i) {
    slice.push_back(list[static_cast<std::size_t>(i)]);
  }
  list = std::move(slice);
  Json pagination = Json::object();
  pagination["total"] = total;
  pagination["perPage"] = page_size;
  pagination["currentPage"] = page;
  pagination["totalPages"] = (total + page_size - 1) / page_size;
  return pagination;
}

ApiResponse TaskResponse(const ApiRequest& request, RouteContext& context,
                         const std::string& task_id) {
  auto it = context.account.tasks.find(task_id);
  if (it == context.account.tasks.end()) {
    return ErrorResponse(404, "Task not found");
  }
  TaskRun& run = it->second;
  const std::size_t step =
      run.CurrentStep(context.now, context.task_step_interval);
  // The step's fault script first: one scripted error per request.
  const std::vector<TaskFault>& faults = run.script.steps[step].faults;
  if (std::size_t& served = run.faults_served[step]; served < faults.size()) {
    const TaskFault& fault = faults[served++];
    ApiResponse error = ErrorResponse(
        fault.status, fault.message.empty()
                          ? "Scripted fault: the target system is unavailable"
                          : fault.message);
    if (fault.retry_after_seconds.has_value()) {
      error.headers.emplace_back("Retry-After",
                                 std::to_string(*fault.retry_after_seconds));
    }
    return error;
  }
  Json dto = run.ResponseData(step);
  Json meta = run.script.meta.has_value() ? *run.script.meta : Json(nullptr);
  // A list responseData comes in pages: always for DATEV Rechnungswesen
  // exports (a fixed 50 000 entries; `limit` is refused), elsewhere when
  // `page` or `limit` asks for one.
  const bool export_pages = run.script.integration == "datev-rewe-export";
  if (dto.contains("responseData") && dto["responseData"].is_array() &&
      (export_pages || request.Query("page").has_value() ||
       request.Query("limit").has_value())) {
    FieldErrors errors;
    const PageParams page = ReadPageParams(request, errors);
    if (export_pages && request.Query("limit").has_value()) {
      errors.emplace_back("limit",
                          "limit is not accepted: DATEV Rechnungswesen pages "
                          "hold a fixed 50000 entries");
    }
    if (!errors.empty()) return ValidationError(errors);
    if (meta.is_null()) {
      meta = Json::object();
      meta["warnings"] = Json::array();
    }
    meta["pagination"] = PageResponseData(
        dto, page.page, export_pages ? kDatevExportPageSize : page.limit);
  }
  return JsonResponse(200, Envelope(std::move(dto), std::move(meta)));
}

ApiResponse GetTaskByPath(const ApiRequest& request, RouteContext& context) {
  return TaskResponse(request, context, request.Param("taskId"));
}

ApiResponse GetTaskByQuery(const ApiRequest& request, RouteContext& context) {
  std::optional<std::string> task_id = request.Query("taskId");
  if (!task_id.has_value()) task_id = request.Query("task_id");
  if (!task_id.has_value() || task_id->empty()) {
    return ErrorResponse(400, "taskId is required");
  }
  return TaskResponse(request, context, *task_id);
}

}  // namespace

void RegisterTaskRoutes(Router& router) {
  router.Handle("GET", "/accounting/asyncTask/{taskId}", GetTaskByPath);
  router.Handle("GET", "/accounting/asyncTask", GetTaskByQuery);
}

}  // namespace maesn::sim
