#include "store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace maesn::sim {
namespace {

absl::StatusOr<Record> RecordFromJson(const Json& json);

absl::StatusOr<Json> ReadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream text;
  text << in.rdbuf();
  Json json = Json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid JSON in ", path));
  }
  return json;
}

// Reads the `records` array of a seed file into a collection.
absl::StatusOr<Collection> CollectionFromJson(const std::string& path,
                                              const Json& file,
                                              const std::string& id_field) {
  auto records = file.find("records");
  if (!file.is_object() || records == file.end() || !records->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": expected {\"records\":[...]}"));
  }
  Collection collection(id_field);
  for (const Json& entry : *records) {
    absl::StatusOr<Record> record = RecordFromJson(entry);
    if (!record.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": ", record.status().message()));
    }
    if (absl::Status s = collection.Put(*std::move(record)); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.message()));
    }
  }
  return collection;
}

// The resources/*.json files of `dir`, sorted.
std::vector<std::string> ResourceFiles(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::filesystem::path(dir) / "resources", error)) {
    if (entry.path().extension() == ".json") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

absl::StatusOr<ResourceSpec> ResourceSpecFromJson(const std::string& path,
                                                  const Json& json) {
  const auto text = [&json](const char* key) -> std::string {
    auto it = json.find(key);
    return it != json.end() && it->is_string() ? it->get<std::string>()
                                               : std::string();
  };
  ResourceSpec spec;
  spec.resource = text("resource");
  spec.path = text("path");
  spec.create_path = text("createPath");
  spec.id_param = text("idParam");
  if (std::string id_field = text("idField"); !id_field.empty()) {
    spec.id_field = std::move(id_field);
  }
  spec.id_prefix = text("idPrefix");
  spec.file_part = text("filePart");
  spec.async_create_path = text("asyncCreatePath");
  spec.task_id_create_path = text("taskIdCreatePath");
  spec.file_list_part = text("fileListPart");
  if (auto reads = json.find("fixedReads"); reads != json.end()) {
    for (const Json& read : *reads) {
      if (!read.is_object() || !read.contains("path") ||
          !read["path"].is_string() || !read.contains("data")) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": each of \"fixedReads\" needs \"path\" and \"data\""));
      }
      spec.fixed_reads.push_back(
          {read["path"].get<std::string>(), read["data"]});
    }
  }
  if (spec.resource.empty() || spec.path.empty() || spec.id_param.empty() ||
      spec.id_prefix.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     ": a resource needs \"resource\", \"path\", "
                     "\"idParam\" and \"idPrefix\""));
  }
  if (spec.create_path.empty()) spec.create_path = spec.path;
  if (auto required = json.find("required"); required != json.end()) {
    for (const Json& name : *required) {
      if (!name.is_string()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": \"required\" lists property names"));
      }
      spec.required.push_back(name.get<std::string>());
    }
  }
  if (auto async = json.find("async"); async != json.end()) {
    spec.async = (async->is_boolean() && async->get<bool>()) ||
                 *async == "create" || *async == "always";
    spec.async_always = *async == "always";
    spec.async_create_only = *async == "create" || spec.async_always;
  }
  if (auto a = json.find("attachments"); a != json.end()) {
    const auto field = [&a](const char* key) -> std::string {
      auto it = a->find(key);
      return it != a->end() && it->is_string() ? it->get<std::string>()
                                               : std::string();
    };
    if (!a->is_object() || field("path").empty() || field("idParam").empty() ||
        field("idPrefix").empty() || field("filePart").empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path,
                       ": \"attachments\" needs \"path\", \"idParam\", "
                       "\"idPrefix\" and \"filePart\""));
    }
    spec.attachments = {field("path"), field("idParam"), field("idPrefix"),
                        field("filePart")};
  }
  return spec;
}

}  // namespace

absl::StatusOr<std::vector<ResourceSpec>> LoadResourceSpecs(
    const std::string& dir) {
  std::vector<ResourceSpec> specs;
  for (const std::string& path : ResourceFiles(dir)) {
    absl::StatusOr<Json> file = ReadJsonFile(path);
    if (!file.ok()) return file.status();
    absl::StatusOr<ResourceSpec> spec = ResourceSpecFromJson(path, *file);
    if (!spec.ok()) return spec.status();
    specs.push_back(*std::move(spec));
  }
  return specs;
}

namespace {

absl::StatusOr<Record> RecordFromJson(const Json& json) {
  if (!json.is_object()) {
    return absl::InvalidArgumentError("record entry is not an object");
  }
  Record record;
  auto data = json.find("data");
  if (data == json.end() || !data->is_object()) {
    return absl::InvalidArgumentError("record entry needs a \"data\" object");
  }
  record.data = *data;
  if (auto meta = json.find("meta"); meta != json.end()) {
    if (!meta->is_object() && !meta->is_null()) {
      return absl::InvalidArgumentError("\"meta\" must be an object");
    }
    record.meta = *meta;
  }
  if (auto raw = json.find("rawData"); raw != json.end()) {
    record.raw_data = *raw;
  }
  if (auto document = json.find("document"); document != json.end()) {
    if (!document->is_object() && !document->is_null()) {
      return absl::InvalidArgumentError("\"document\" must be an object");
    }
    record.document = *document;
  }
  if (auto attachments = json.find("attachments"); attachments != json.end()) {
    if (!attachments->is_array()) {
      return absl::InvalidArgumentError("\"attachments\" must be an array");
    }
    record.attachments = *attachments;
  }
  if (auto as_array = json.find("dataAsArray"); as_array != json.end()) {
    if (!as_array->is_boolean()) {
      return absl::InvalidArgumentError("\"dataAsArray\" must be a boolean");
    }
    record.data_as_array = as_array->get<bool>();
  }
  return record;
}

absl::StatusOr<std::vector<TaskFault>> TaskFaultsFromJson(const Json& json) {
  if (!json.is_array()) {
    return absl::InvalidArgumentError("\"faults\" must be an array");
  }
  std::vector<TaskFault> faults;
  for (const Json& entry : json) {
    if (!entry.is_object()) {
      return absl::InvalidArgumentError("each fault must be an object");
    }
    TaskFault fault;
    auto status = entry.find("status");
    if (status == entry.end() || !status->is_number_integer() ||
        status->get<int>() < 400 || status->get<int>() > 599) {
      return absl::InvalidArgumentError(
          "each fault needs an HTTP \"status\" from 400 to 599");
    }
    fault.status = status->get<int>();
    if (auto retry = entry.find("retryAfter"); retry != entry.end()) {
      if (!retry->is_number_integer() || retry->get<int>() < 0) {
        return absl::InvalidArgumentError(
            "\"retryAfter\" must be a whole number of seconds");
      }
      fault.retry_after_seconds = retry->get<int>();
    }
    if (auto message = entry.find("message"); message != entry.end()) {
      if (!message->is_string()) {
        return absl::InvalidArgumentError("\"message\" must be a string");
      }
      fault.message = message->get<std::string>();
    }
    faults.push_back(std::move(fault));
  }
  return faults;
}

}  // namespace

Collection::Collection(std::string id_field) : id_field_(std::move(id_field)) {}

const Record* Collection::Find(const std::string& id) const {
  auto it = records_.find(id);
  return it == records_.end() ? nullptr : &it->second;
}

Record* Collection::FindMutable(const std::string& id) {
  auto it = records_.find(id);
  return it == records_.end() ? nullptr : &it->second;
}

absl::Status Collection::Put(Record record) {
  if (!record.data.is_object()) {
    return absl::InvalidArgumentError("record data must be a JSON object");
  }
  auto id = record.data.find(id_field_);
  if (id == record.data.end() || !id->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat("record data needs a string \"", id_field_, "\""));
  }
  std::string key = id->get<std::string>();
  auto [it, inserted] = records_.insert_or_assign(key, std::move(record));
  (void)it;
  if (inserted) order_.push_back(std::move(key));
  return absl::OkStatus();
}

bool Collection::Erase(const std::string& id) {
  if (records_.erase(id) == 0) return false;
  order_.erase(std::find(order_.begin(), order_.end(), id));
  return true;
}

std::vector<const Record*> Collection::All() const {
  std::vector<const Record*> all;
  all.reserve(order_.size());
  for (const std::string& id : order_) all.push_back(&records_.at(id));
  return all;
}

absl::StatusOr<TaskScript> TaskScriptFromJson(const Json& json) {
  if (!json.is_object()) {
    return absl::InvalidArgumentError("task script must be a JSON object");
  }
  TaskScript script;
  if (auto id = json.find("id"); id != json.end()) {
    if (!id->is_string()) return absl::InvalidArgumentError("\"id\": string");
    script.id = id->get<std::string>();
  }
  if (auto integration = json.find("integration"); integration != json.end()) {
    if (!integration->is_string()) {
      return absl::InvalidArgumentError("\"integration\": string");
    }
    script.integration = integration->get<std::string>();
  }
  if (auto meta = json.find("meta"); meta != json.end()) {
    if (!meta->is_object())
      return absl::InvalidArgumentError("\"meta\": object");
    script.meta = *meta;
  }
  auto steps = json.find("steps");
  if (steps == json.end() || !steps->is_array() || steps->empty()) {
    return absl::InvalidArgumentError("\"steps\" must be a non-empty array");
  }
  for (const Json& step_json : *steps) {
    if (!step_json.is_object()) {
      return absl::InvalidArgumentError("each step must be an object");
    }
    TaskStep step;
    auto status = step_json.find("status");
    if (status == step_json.end() || !status->is_string()) {
      return absl::InvalidArgumentError("each step needs a string \"status\"");
    }
    step.status = status->get<std::string>();
    if (auto info = step_json.find("information"); info != step_json.end()) {
      if (!info->is_array()) {
        return absl::InvalidArgumentError("\"information\" must be an array");
      }
      for (const Json& entry : *info) step.information.push_back(entry);
    }
    if (auto data = step_json.find("responseData"); data != step_json.end()) {
      step.response_data = *data;
    }
    if (auto faults = step_json.find("faults"); faults != step_json.end()) {
      absl::StatusOr<std::vector<TaskFault>> parsed =
          TaskFaultsFromJson(*faults);
      if (!parsed.ok()) return parsed.status();
      step.faults = *std::move(parsed);
    }
    script.steps.push_back(std::move(step));
  }
  return script;
}

Json TaskScriptToJson(const TaskScript& script) {
  Json json = Json::object();
  json["id"] = script.id;
  json["integration"] = script.integration;
  if (script.meta.has_value()) json["meta"] = *script.meta;
  Json steps = Json::array();
  for (const TaskStep& step : script.steps) {
    Json step_json = Json::object();
    step_json["status"] = step.status;
    step_json["information"] = Json(step.information);
    if (step.response_data.has_value()) {
      step_json["responseData"] = *step.response_data;
    }
    if (!step.faults.empty()) {
      Json faults = Json::array();
      for (const TaskFault& fault : step.faults) {
        Json f = Json::object();
        f["status"] = fault.status;
        if (fault.retry_after_seconds.has_value()) {
          f["retryAfter"] = *fault.retry_after_seconds;
        }
        if (!fault.message.empty()) f["message"] = fault.message;
        faults.push_back(std::move(f));
      }
      step_json["faults"] = std::move(faults);
    }
    steps.push_back(std::move(step_json));
  }
  json["steps"] = std::move(steps);
  return json;
}

std::size_t TaskRun::CurrentStep(std::chrono::steady_clock::time_point now,
                                 std::chrono::milliseconds interval) const {
  if (script.steps.empty()) return 0;
  long long step = manual_steps;
  if (interval.count() > 0 && now > origin) {
    step += std::chrono::duration_cast<std::chrono::milliseconds>(now - origin)
                .count() /
            interval.count();
  }
  const auto last = static_cast<long long>(script.steps.size() - 1);
  return static_cast<std::size_t>(std::clamp(step, 0LL, last));
}

Json TaskRun::ResponseData(std::size_t step) const {
  Json dto = Json::object();
  if (script.steps.empty()) return dto;
  step = std::min(step, script.steps.size() - 1);
  dto["status"] = script.steps[step].status;
  Json information = Json::array();
  for (std::size_t i = 0; i <= step; ++i) {
    for (const Json& entry : script.steps[i].information) {
      information.push_back(entry);
    }
  }
  dto["information"] = std::move(information);
  if (script.steps[step].response_data.has_value()) {
    dto["responseData"] = *script.steps[step].response_data;
  }
  return dto;
}

Collection* AccountState::FindCollection(const std::string& resource) {
  auto it = collections.find(resource);
  return it == collections.end() ? nullptr : &it->second;
}

absl::StatusOr<SeedData> SeedData::Load(const std::string& dir) {
  SeedData seed;
  for (const SeedCollectionSpec& spec : kSeedCollections) {
    const std::string path = absl::StrCat(dir, "/", spec.resource, ".json");
    absl::StatusOr<Json> file = ReadJsonFile(path);
    if (!file.ok()) return file.status();
    absl::StatusOr<Collection> collection =
        CollectionFromJson(path, *file, spec.id_field);
    if (!collection.ok()) return collection.status();
    seed.collections_.insert_or_assign(spec.resource, *std::move(collection));
  }
  for (const std::string& path : ResourceFiles(dir)) {
    absl::StatusOr<Json> file = ReadJsonFile(path);
    if (!file.ok()) return file.status();
    absl::StatusOr<ResourceSpec> spec = ResourceSpecFromJson(path, *file);
    if (!spec.ok()) return spec.status();
    absl::StatusOr<Collection> collection =
        file->contains("records")
            ? CollectionFromJson(path, *file, spec->id_field)
            : Collection(spec->id_field);
    if (!collection.ok()) return collection.status();
    seed.collections_.insert_or_assign(spec->resource, *std::move(collection));
  }

  const std::string tasks_path = absl::StrCat(dir, "/tasks.json");
  absl::StatusOr<Json> tasks_file = ReadJsonFile(tasks_path);
  if (!tasks_file.ok()) return tasks_file.status();
  auto tasks = tasks_file->find("tasks");
  if (!tasks_file->is_object() || tasks == tasks_file->end() ||
      !tasks->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(tasks_path, ": expected {\"tasks\":[...]}"));
  }
  for (const Json& task_json : *tasks) {
    absl::StatusOr<TaskScript> script = TaskScriptFromJson(task_json);
    if (!script.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(tasks_path, ": ", script.status().message()));
    }
    if (script->id.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(tasks_path, ": every seeded task needs an \"id\""));
    }
    seed.tasks_.push_back(*std::move(script));
  }
  return seed;
}

absl::Status SeedData::AddRecords(const std::string& resource,
                                  std::vector<Record> records) {
  auto it = collections_.find(resource);
  if (it == collections_.end()) {
    return absl::NotFoundError(absl::StrCat("unknown resource ", resource));
  }
  for (Record& record : records) {
    if (absl::Status s = it->second.Put(std::move(record)); !s.ok()) return s;
  }
  return absl::OkStatus();
}

AccountState SeedData::NewAccount(
    std::chrono::steady_clock::time_point origin) const {
  AccountState account;
  account.collections = collections_;
  for (const TaskScript& script : tasks_) {
    account.tasks.insert_or_assign(script.id, TaskRun{script, 0, origin});
  }
  return account;
}

}  // namespace maesn::sim
