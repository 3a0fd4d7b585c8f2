// Fixture data of the Maesn simulator: records per resource, scripted async
// tasks, and the per-account (per X-ACCOUNT-KEY) copy of both.
//
// Nothing here locks: the simulator owns one AccountState per account key and
// guards all of them with its own mutex.
#ifndef MAESN_TESTS_SIM_STORE_H_
#define MAESN_TESTS_SIM_STORE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace maesn::sim {

// Ordered so that responses keep the field order of the fixture files.
using Json = nlohmann::ordered_json;

// One part of a multipart/form-data request.
struct FormPart {
  std::string name;
  std::string file_name;  // empty for a field that is not a file
  std::string content_type;
  std::string content;
};

// One stored resource record (an invoice, a bill, ...).
struct Record {
  Json data;      // The Maesn DTO, returned as the envelope's `data`.
  Json meta;      // Envelope `meta` for GET by id; null = {"warnings":[]}.
  Json raw_data;  // `rawData` when asked for; null = made up from `data`.
  bool data_as_array = false;  // GET by id wraps `data` in a 1-element array.
  // DocumentResponseDto served by GET .../document; null = a generated PDF.
  Json document;
  // The record's attachments (ResourceSpec::attachments), in upload order.
  Json attachments = Json::array();
};

// Records of one resource, keyed by the string field `id_field` of `data`,
// kept in insertion order.
class Collection {
 public:
  explicit Collection(std::string id_field);

  const std::string& id_field() const { return id_field_; }
  const Record* Find(const std::string& id) const;
  Record* FindMutable(const std::string& id);
  // Inserts or replaces the record whose `data[id_field]` equals the record's
  // id. Fails when `data` is not an object or lacks a string id.
  absl::Status Put(Record record);
  bool Erase(const std::string& id);
  std::vector<const Record*> All() const;
  std::size_t size() const { return records_.size(); }

 private:
  std::string id_field_;
  std::vector<std::string> order_;
  std::map<std::string, Record> records_;
};

// An error a scripted task answers instead of its state (fault injection
// mid-watch: transient 503s, 429s with Retry-After, ...).
struct TaskFault {
  int status = 503;                        // HTTP status, 400..599
  std::optional<int> retry_after_seconds;  // Retry-After header, if any
  std::string message;  // error body message; empty = a default text
};

// One step of a scripted async task.
struct TaskStep {
  std::string status;             // Any string; Maesn's are open-ended.
  std::vector<Json> information;  // InformationResponseDto entries that
                                  // appear at this step (they accumulate).
  // `responseData` while this step is current; nullopt = key absent (an
  // explicit JSON null is returned as null).
  std::optional<Json> response_data;
  // Served one per GET of the task, in order, once the task has reached
  // this step and before the step's own answer.
  // (A default member initializer keeps TaskStep{status, info, data}
  // valid without -Wmissing-field-initializers.)
  std::vector<TaskFault> faults = {};
};

// A scripted async task: it starts at step 0 and moves one step per advance
// until it reaches the last step, where it stays.
struct TaskScript {
  std::string id;           // Empty in CreateTask = generate one.
  std::string integration;  // e.g. "abaconnect", "datev-duo", "datev-rewe".
  std::vector<TaskStep> steps;
  std::optional<Json> meta;  // Envelope meta; nullopt = {"warnings":[]}.
};

// JSON form (used by tasks.json and POST /_sim/tasks):
// {"id":..., "integration":..., "meta":{...}?,
//  "steps":[{"status":..., "information":[...]?, "responseData":...?,
//            "faults":[{"status":503, "retryAfter":1?, "message":...?}]?}]}
absl::StatusOr<TaskScript> TaskScriptFromJson(const Json& json);
Json TaskScriptToJson(const TaskScript& script);

// The state of one task for one account.
struct TaskRun {
  TaskScript script;
  int manual_steps = 0;                          // AdvanceTask calls so far.
  std::chrono::steady_clock::time_point origin;  // Demo-mode clock start.
  std::map<std::size_t, std::size_t> faults_served = {};  // step -> sent

  // Index of the current step: manual advances plus, when `interval` > 0,
  // one step per whole interval elapsed since `origin`; capped at the last.
  std::size_t CurrentStep(std::chrono::steady_clock::time_point now,
                          std::chrono::milliseconds interval) const;
  // The AsyncTaskResponseDto {status, information, responseData?} at `step`.
  Json ResponseData(std::size_t step) const;
};

// Everything one account key sees.
struct AccountState {
  std::map<std::string, Collection> collections;  // "invoices", "bills", ...
  std::map<std::string, TaskRun> tasks;
  // Next number for ids of records created through the API.
  std::uint64_t next_id = 1;

  // nullptr when the resource has no collection.
  Collection* FindCollection(const std::string& resource);
};

// The seed data read from a data directory; every account starts from a copy.
//
// Files: `<resource>.json` = {"records":[{"data":{...}, "meta":{...}?,
// "rawData":{...}?, "dataAsArray":bool?}, ...]} for each resource in
// kSeedCollections, and tasks.json = {"tasks":[TaskScript JSON, ...]}.
class SeedData {
 public:
  // Loads kSeedCollections, the records of every resources/*.json and
  // tasks.json.
  static absl::StatusOr<SeedData> Load(const std::string& dir);

  // Appends records to the seed of `resource` (one of kSeedCollections),
  // e.g. generated ones; fails like a bad seed file would.
  absl::Status AddRecords(const std::string& resource,
                          std::vector<Record> records);

  // A fresh copy; seeded tasks count demo-mode time from `origin`.
  AccountState NewAccount(std::chrono::steady_clock::time_point origin) const;

  const std::vector<TaskScript>& tasks() const { return tasks_; }

 private:
  std::map<std::string, Collection> collections_;
  std::vector<TaskScript> tasks_;
};

// A store-backed Maesn resource served by the generic routes
// (routes_resources.cc), read from `resources/<resource>.json` in the data
// directory: adding a resource takes a file, not code. The file is
//   {"resource": "contacts",            // collection name
//    "path": "/accounting/contacts",    // collection path
//    "createPath": "...",               // POST path, when not `path`
//    "idParam": "contactId",            // path parameter of one record
//    "idField": "id",                   // the record's id property
//    "idPrefix": "CON",                 // ids of created records
//    "required": ["contactType"],       // create properties Maesn requires
//    "async": true,                     // DATEV accounts get a task (202)
//                                       // on list and create; "create":
//                                       // on create only
//    "filePart": "file",                // multipart: the record's own file
//    "asyncCreatePath": "...",          // POST answering 202 + taskId
//    "taskIdCreatePath": "...",         // POST like createPath whose 202
//                                       // answer is only {taskId}
//    "fileListPart": "files",           // multipart: files listed by name
//    "fixedReads": [{"path": ..., "data": ...}],  // GET -> fixed data
//    "records": [{"data": {...}}, ...]} // seed records, as in <resource>.json
struct ResourceSpec {
  std::string resource;
  std::string path;
  std::string create_path;
  std::string id_param;
  std::string id_field = "id";
  std::string id_prefix;
  std::vector<std::string> required;
  bool async = false;
  // With `async`: only creates are asynchronous, lists answer at once
  // ("async": "create").
  bool async_create_only = false;
  // With `async` and `async_create_only`: creates are asynchronous for every
  // account, not only DATEV's ("async": "always").
  bool async_always = false;
  // Multipart creates: the file part whose file becomes the record's own
  // fileName, contentType and (base64) content, as a DocumentResponseDto.
  std::string file_part;
  // Files attached to a record after its create: GET and POST
  // <path>/{id}/<attachments.path>, GET <path>/{id}/<attachments.path>/
  // {<attachments.id_param>}. Empty path: none.
  struct Attachments {
    std::string path;
    std::string id_param;
    std::string id_prefix;
    std::string file_part;
  };
  Attachments attachments;
  // A create that Maesn always processes asynchronously: 202 with
  // {"taskId"}; the task ends in SUCCESS with the created record.
  std::string async_create_path;
  // A second create (e.g. Maesn's /accounting/v2/... variant) that answers
  // like `create_path`, except that its asynchronous answer (202) carries
  // only {"taskId"}, not the partial record.
  std::string task_id_create_path;
  // Multipart creates: the file part whose files the record lists by name
  // in the property of the same name (Maesn answers them as strings); the
  // first of them becomes the record's document (GET .../document).
  std::string file_list_part;
  // Fixed reads under the resource (e.g. lists of allowed values): GET
  // `path` answers `data` in the envelope. Matched before any record route.
  struct FixedRead {
    std::string path;
    Json data;
  };
  std::vector<FixedRead> fixed_reads;
};

// Every `resources/*.json` of `dir`, sorted by file name.
absl::StatusOr<std::vector<ResourceSpec>> LoadResourceSpecs(
    const std::string& dir);

// Resource name (= file stem and URL segment) and id field of each seeded
// collection with routes of its own (routes_invoices.cc, routes_bills.cc).
// Resources served by the generic routes are ResourceSpec files instead.
struct SeedCollectionSpec {
  const char* resource;
  const char* id_field;
};
inline constexpr SeedCollectionSpec kSeedCollections[] = {
    {"invoices", "invoiceId"},
    {"bills", "id"},
};

}  // namespace maesn::sim

#endif  // MAESN_TESTS_SIM_STORE_H_
