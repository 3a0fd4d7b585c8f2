// Store-backed Maesn resources that need data, not code: each is a
// ResourceSpec file in the data directory's resources/ (store.h), and every
// one gets the same routes (Maesn serves a subset of them per resource; the
// gateway calls only what its annotations name):
//
//   GET    <path>                  page/limit (400 unless 5/10/20/50/100),
//                                  lastModifiedAt (updatedDate after it),
//                                  rawData; meta.pagination
//   GET    <path>/{id}             the record; 404 when unknown
//   POST   <createPath>            201 with the stored record (id,
//                                  createdDate and updatedDate added); 400
//                                  naming missing required properties. A
//                                  multipart/form-data body describes the
//                                  record by its parts (JSON parts' and
//                                  text parts' properties, files)
//   POST   <asyncCreatePath>       the same, always 202 with only a taskId
//   POST   <taskIdCreatePath>      as <createPath>, but an asynchronous
//                                  answer is 202 with only a taskId
//   GET    <fixedReads path>       fixed data (e.g. allowed values)
//   PUT    <path>/{id}             replaces the record (id and createdDate
//                                  kept); 200 with it
//   PATCH  <path>/{id}             merges the body's properties into it
//   DELETE <path>/{id}             200 with the id as a string
//   GET    <path>/{id}/lineItems   the record's `lineItems` (paged)
//   GET    <path>/{id}/lineItems/{lineItemId}   one of them, by `id`
//   GET    <path>/{id}/document    a DocumentResponseDto (a small PDF)
//   GET    <path>/{id}/<attachments.path>          the record's attachments
//   POST   <path>/{id}/<attachments.path>          multipart, one file part:
//                                  201 with the new attachment
//   GET    <path>/{id}/<attachments.path>/{attachmentId}   one of them
//
// An attachment is shaped as Maesn's spec answers these operations (for
// journal entries: the record's own schema): its `id`, `files` (the file's
// name), createdDate and updatedDate.
//
// Asynchronous processing (Maesn does it for some target systems, e.g.
// DATEV): for an account key containing "datev" (the simulator's
// "sim-datev-account-key"), a resource marked `async` answers GET <path>
// and POST <path> with 202 and {"data": {...partial record, "taskId": id}};
// the task goes IN_PROGRESS -> SUCCESS (one step per advance or per demo
// interval) with the list page or the created record as its responseData.
// The created record is stored at once, as the target system would have it
// once the task ends. A resource marked "async": "always" answers every
// create so, whatever the account key.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "resource_support.h"
#include "router.h"

namespace maesn::sim {
namespace {

bool ProcessesAsync(const ResourceSpec& spec, const ApiRequest& request) {
  return spec.async &&
         (spec.async_always || absl::StrContains(request.account_key, "datev"));
}

// Starts a task IN_PROGRESS -> SUCCESS whose responseData is `result`.
std::string StartTask(RouteContext& context, Json result) {
  TaskScript script;
  script.id = NewId(context.account, "TASK");
  script.integration = "datev-duo";
  script.steps.push_back(TaskStep{"IN_PROGRESS", {}, std::nullopt});
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
  if (ProcessesAsync(spec, request) && !spec.async_create_only) {
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

// The record a multipart create describes: JSON parts' properties, text
// parts as strings (a name sent several times as an array of them), the
// spec's file part as the record's own file (DocumentResponseDto
// properties), the files of its file list part by name (the first also as
// `document`), other files as lists of such objects.
std::optional<Json> FormRecord(const ResourceSpec& spec,
                               const ApiRequest& request, Json& document) {
  Json record = Json::object();
  Json listed = Json::array();
  for (const FormPart& part : request.parts) {
    if (!part.file_name.empty()) {
      Json file = Json::object();
      file["fileName"] = part.file_name;
      file["contentType"] = part.content_type;
      file["base64Encoded"] = true;
      file["content"] = absl::Base64Escape(part.content);
      if (part.name == spec.file_part) {
        record.update(file);
      } else if (part.name == spec.file_list_part) {
        listed.push_back(part.file_name);
        if (document.is_null()) document = std::move(file);
      } else {
        record[part.name].push_back(std::move(file));
      }
    } else if (absl::StartsWith(part.content_type, "application/json")) {
      Json value = Json::parse(part.content, nullptr, false);
      if (!value.is_object()) return std::nullopt;
      record.update(value);
    } else if (!record.contains(part.name)) {
      record[part.name] = part.content;
    } else {
      Json& values = record[part.name];
      if (!values.is_array()) values = Json::array({values});
      values.push_back(part.content);
    }
  }
  if (!listed.empty()) {
    // After the names a JSON part may already list (files the target
    // system has).
    Json& files = record[spec.file_list_part];
    if (!files.is_array()) files = Json::array();
    for (Json& name : listed) files.push_back(std::move(name));
  }
  return record;
}

// How a create answers when the target system processes it asynchronously.
enum class AsyncAnswer {
  kPartialRecord,  // 202 with the record and its taskId (DATEV keys only)
  kTaskIdOnly,     // 202 with only the taskId (DATEV keys only)
  kAlways,         // always 202 with only the taskId
};

ApiResponse CreateRecord(const ResourceSpec& spec, const ApiRequest& request,
                         RouteContext& context, AsyncAnswer async);

ApiResponse Create(const ResourceSpec& spec, const ApiRequest& request,
                   RouteContext& context) {
  return CreateRecord(spec, request, context, AsyncAnswer::kPartialRecord);
}

// A create whose asynchronous answer is only the task id.
ApiResponse CreateTaskIdAnswer(const ResourceSpec& spec,
                               const ApiRequest& request,
                               RouteContext& context) {
  return CreateRecord(spec, request, context, AsyncAnswer::kTaskIdOnly);
}

// The create Maesn always processes asynchronously: 202 with only the
// task id.
ApiResponse CreateAsync(const ResourceSpec& spec, const ApiRequest& request,
                        RouteContext& context) {
  return CreateRecord(spec, request, context, AsyncAnswer::kAlways);
}

ApiResponse CreateRecord(const ResourceSpec& spec, const ApiRequest& request,
                         RouteContext& context, AsyncAnswer async) {
  Json document;
  std::optional<Json> body = request.parts.empty()
                                 ? ParseObjectBody(request)
                                 : FormRecord(spec, request, document);
  if (!body.has_value()) return ErrorResponse(400, "the body must be JSON");
  FieldErrors errors;
  for (const std::string& property : spec.required) {
    if (!body->contains(property) || (*body)[property].is_null()) {
      errors.emplace_back(property,
                          absl::StrCat(property, " should not be empty"));
    }
  }
  if (!errors.empty()) return ValidationError(errors);
  Collection* records = context.account.FindCollection(spec.resource);
  if (records == nullptr) return ErrorResponse(500, "no such collection");
  Json data = *std::move(body);
  if (!data.contains(spec.id_field) || !data[spec.id_field].is_string()) {
    data[spec.id_field] = NewId(context.account, spec.id_prefix);
  }
  const std::string now =
      IsoTime(absl::FromChrono(std::chrono::system_clock::now()));
  data["createdDate"] = now;
  data["updatedDate"] = now;
  Record record;
  record.data = data;
  record.document = std::move(document);
  if (absl::Status s = records->Put(std::move(record)); !s.ok()) {
    return ErrorResponse(400, s.message());
  }
  if (async == AsyncAnswer::kAlways ||
      (async == AsyncAnswer::kTaskIdOnly && ProcessesAsync(spec, request))) {
    return JsonResponse(
        202, Envelope(Json::object({{"taskId", StartTask(context, data)}})));
  }
  if (ProcessesAsync(spec, request)) {
    Json partial = data;
    partial["taskId"] = StartTask(context, data);
    return JsonResponse(202, Envelope(std::move(partial)));
  }
  return JsonResponse(201, Envelope(std::move(data)));
}

Record* FindRecord(const ResourceSpec& spec, const ApiRequest& request,
                   RouteContext& context) {
  Collection* records = context.account.FindCollection(spec.resource);
  return records == nullptr
             ? nullptr
             : records->FindMutable(request.Param(spec.id_param));
}

ApiResponse NotFound(const ResourceSpec& spec) {
  return ErrorResponse(404, absl::StrCat("No ", spec.resource, " found"));
}

// PUT replaces the record, PATCH merges the body's top-level properties into
// it; both keep the id and createdDate and set updatedDate.
ApiResponse Update(const ResourceSpec& spec, const ApiRequest& request,
                   RouteContext& context, bool merge) {
  Record* record = FindRecord(spec, request, context);
  if (record == nullptr) return NotFound(spec);
  std::optional<Json> body = ParseObjectBody(request);
  if (!body.has_value()) return ErrorResponse(400, "the body must be JSON");
  Json data = merge ? record->data : Json::object();
  for (auto& [key, value] : body->items()) data[key] = value;
  data[spec.id_field] = record->data[spec.id_field];
  if (record->data.contains("createdDate")) {
    data["createdDate"] = record->data["createdDate"];
  }
  data["updatedDate"] =
      IsoTime(absl::FromChrono(std::chrono::system_clock::now()));
  record->data = std::move(data);
  record->data_as_array = false;
  return JsonResponse(200, Envelope(record->data));
}

ApiResponse Delete(const ResourceSpec& spec, const ApiRequest& request,
                   RouteContext& context) {
  Collection* records = context.account.FindCollection(spec.resource);
  const std::string id = request.Param(spec.id_param);
  if (records == nullptr || !records->Erase(id)) return NotFound(spec);
  return JsonResponse(200, Envelope(Json(id)));
}

// The record's `lineItems` array (empty when it has none).
Json LinesOf(const Record& record) {
  const Json& data = record.data;
  return data.contains("lineItems") && data["lineItems"].is_array()
             ? data["lineItems"]
             : Json::array();
}

ApiResponse ListLines(const ResourceSpec& spec, const ApiRequest& request,
                      RouteContext& context) {
  FieldErrors errors;
  const PageParams page = ReadPageParams(request, errors);
  if (!errors.empty()) return ValidationError(errors);
  const Record* record = FindRecord(spec, request, context);
  if (record == nullptr) return NotFound(spec);
  const Json lines = LinesOf(*record);
  std::vector<const Json*> all;
  for (const Json& line : lines) all.push_back(&line);
  return JsonResponse(200,
                      PagedEnvelope(all, page, request.QueryFlag("rawData"),
                                    [](const Json& line) {
                                      return Json::object({{"line", line}});
                                    }));
}

ApiResponse GetLine(const ResourceSpec& spec, const ApiRequest& request,
                    RouteContext& context) {
  const Record* record = FindRecord(spec, request, context);
  if (record == nullptr) return NotFound(spec);
  const std::string line_id = request.Param("lineItemId");
  for (const Json& line : LinesOf(*record)) {
    if (line.contains("id") && line["id"] == line_id) {
      return JsonResponse(200, Envelope(line));
    }
  }
  return ErrorResponse(404, "No line item found");
}

ApiResponse Document(const ResourceSpec& spec, const ApiRequest& request,
                     RouteContext& context) {
  const Record* record = FindRecord(spec, request, context);
  if (record == nullptr) return NotFound(spec);
  if (!record->document.is_null()) {
    return JsonResponse(200, Envelope(record->document));
  }
  const std::string id = request.Param(spec.id_param);
  return JsonResponse(200, Envelope(DocumentFor(spec.resource, id, id)));
}

const Json* FindAttachment(const Record& record, const std::string& id) {
  for (const Json& attachment : record.attachments) {
    if (attachment.is_object() && attachment.value("id", "") == id) {
      return &attachment;
    }
  }
  return nullptr;
}

ApiResponse ListAttachments(const ResourceSpec& spec, const ApiRequest& request,
                            RouteContext& context) {
  const Record* record = FindRecord(spec, request, context);
  if (record == nullptr) return NotFound(spec);
  return JsonResponse(200, Envelope(record->attachments));
}

ApiResponse GetAttachment(const ResourceSpec& spec, const ApiRequest& request,
                          RouteContext& context) {
  const Record* record = FindRecord(spec, request, context);
  if (record == nullptr) return NotFound(spec);
  const Json* attachment =
      FindAttachment(*record, request.Param(spec.attachments.id_param));
  if (attachment == nullptr) {
    return ErrorResponse(404, "No attachment found");
  }
  return JsonResponse(200, Envelope(*attachment));
}

// One file part named as the spec's attachments say; anything else is 400.
ApiResponse CreateAttachment(const ResourceSpec& spec,
                             const ApiRequest& request, RouteContext& context) {
  Record* record = FindRecord(spec, request, context);
  if (record == nullptr) return NotFound(spec);
  const FormPart* file = nullptr;
  for (const FormPart& part : request.parts) {
    if (part.name == spec.attachments.file_part && !part.file_name.empty()) {
      file = &part;
    }
  }
  if (file == nullptr || request.parts.size() != 1) {
    return ValidationError(
        {{spec.attachments.file_part,
          absl::StrCat("exactly one file part \"", spec.attachments.file_part,
                       "\" is expected")}});
  }
  const std::string now =
      IsoTime(absl::FromChrono(std::chrono::system_clock::now()));
  Json attachment =
      Json::object({{"id", NewId(context.account, spec.attachments.id_prefix)},
                    {"files", Json::array({file->file_name})},
                    {"createdDate", now},
                    {"updatedDate", now}});
  record->attachments.push_back(attachment);
  return JsonResponse(201, Envelope(std::move(attachment)));
}

}  // namespace

void RegisterResourceRoutes(Router& router,
                            const std::vector<ResourceSpec>& specs) {
  // Fixed reads first: "/accounting/files/documentTypes" is not a file id.
  for (const ResourceSpec& resource : specs) {
    for (const ResourceSpec::FixedRead& read : resource.fixed_reads) {
      Json data = read.data;
      router.Handle("GET", read.path, [data](const ApiRequest&, RouteContext&) {
        return JsonResponse(200, Envelope(data));
      });
    }
  }
  for (const ResourceSpec& resource : specs) {
    auto spec = std::make_shared<const ResourceSpec>(resource);
    const auto route = [&router, spec](const char* method,
                                       const std::string& pattern,
                                       auto handler) {
      router.Handle(
          method, pattern,
          [spec, handler](const ApiRequest& request, RouteContext& context) {
            return handler(*spec, request, context);
          });
    };
    const std::string one = absl::StrCat(spec->path, "/{", spec->id_param, "}");
    route("GET", spec->path, List);
    route("POST", spec->create_path, Create);
    if (!spec->async_create_path.empty()) {
      route("POST", spec->async_create_path, CreateAsync);
    }
    if (!spec->task_id_create_path.empty()) {
      route("POST", spec->task_id_create_path, CreateTaskIdAnswer);
    }
    route("GET", one, Get);
    route("PUT", one,
          [](const ResourceSpec& s, const ApiRequest& r, RouteContext& c) {
            return Update(s, r, c, /*merge=*/false);
          });
    route("PATCH", one,
          [](const ResourceSpec& s, const ApiRequest& r, RouteContext& c) {
            return Update(s, r, c, /*merge=*/true);
          });
    route("DELETE", one, Delete);
    route("GET", absl::StrCat(one, "/lineItems"), ListLines);
    route("GET", absl::StrCat(one, "/lineItems/{lineItemId}"), GetLine);
    route("GET", absl::StrCat(one, "/document"), Document);
    if (!spec->attachments.path.empty()) {
      const std::string all = absl::StrCat(one, "/", spec->attachments.path);
      route("GET", all, ListAttachments);
      route("POST", all, CreateAttachment);
      route("GET", absl::StrCat(all, "/{", spec->attachments.id_param, "}"),
            GetAttachment);
    }
  }
}

}  // namespace maesn::sim
