#include "gateway/maesn/https_maesn_stub.h"

#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/common/errors.h"
#include "gateway/maesn/http_status.h"
#include "gateway/maesn/path_builder.h"
#include "gateway/mapping/async_answer.h"
#include "gateway/mapping/document_mapping.h"
#include "gateway/mapping/enum_spelling.h"
#include "gateway/mapping/envelope.h"
#include "gateway/mapping/json_proto.h"
#include "gateway/mapping/json_text.h"
#include "gateway/mapping/request_body.h"
#include "gateway/mapping/task_mapping.h"
#include "gateway/mapping/time_format.h"
#include "google/protobuf/empty.pb.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "maesn/accounting/v1/common.pb.h"

namespace maesn::gateway {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// The query value of a set field: empty (not sent) when the field is unset,
// empty, false, zero or UNSPECIFIED.
std::string QueryValue(const Message& m, const FieldDescriptor& f) {
  const Reflection& r = *m.GetReflection();
  if (f.has_presence() && !r.HasField(m, &f)) return {};
  switch (f.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return r.GetString(m, &f);
    case FieldDescriptor::CPPTYPE_BOOL:
      // An optional bool that is set says true or false (e.g. isActive);
      // a plain bool (rawData) is a flag sent only when true.
      if (f.has_presence()) return r.GetBool(m, &f) ? "true" : "false";
      return r.GetBool(m, &f) ? "true" : "";
    case FieldDescriptor::CPPTYPE_ENUM:
      return mapping::EnumToMaesn(*f.enum_type(), r.GetEnumValue(m, &f));
    case FieldDescriptor::CPPTYPE_INT32: {
      const auto v = r.GetInt32(m, &f);
      return v == 0 ? "" : absl::StrCat(v);
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      const auto v = r.GetInt64(m, &f);
      return v == 0 ? "" : absl::StrCat(v);
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      const auto v = r.GetUInt32(m, &f);
      return v == 0 ? "" : absl::StrCat(v);
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      const auto v = r.GetUInt64(m, &f);
      return v == 0 ? "" : absl::StrCat(v);
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      const double v = r.GetDouble(m, &f);
      return v == 0 ? "" : absl::StrCat(v);
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      const float v = r.GetFloat(m, &f);
      return v == 0 ? "" : absl::StrCat(v);
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message& value = r.GetMessage(m, &f);
      const auto* d = value.GetDescriptor();
      if (d->full_name() == "google.protobuf.Timestamp") {
        const auto& ts = static_cast<const google::protobuf::Timestamp&>(value);
        return mapping::FormatMaesnTime(absl::FromUnixSeconds(ts.seconds()) +
                                        absl::Nanoseconds(ts.nanos()));
      }
      // google.type.Date: an ISO 8601 calendar date (checked before).
      return mapping::FormatMaesnDate(mapping::GetDate(value));
    }
  }
  return {};
}

// One part of a multipart/form-data body.
struct FormPart {
  std::string name;
  std::string file_name;  // empty: not a file part
  std::string content_type;
  std::string content;
};

// The file part of one FilePart; INVALID_ARGUMENT naming `path` when it has
// no name or no bytes, or a control character in its name.
absl::StatusOr<FormPart> FilePartOf(const std::string& name,
                                    const v1::FilePart& file,
                                    const std::string& path) {
  if (file.file_name().empty()) {
    return InvalidField(absl::StrCat(path, ".file_name"),
                        "is required for a file");
  }
  for (unsigned char c : file.file_name()) {
    if (c < 0x20 || c == 0x7f) {
      return InvalidField(absl::StrCat(path, ".file_name"),
                          "must not contain control characters");
    }
  }
  if (file.content().empty()) {
    return InvalidField(absl::StrCat(path, ".content"),
                        "is required for a file (it must not be empty)");
  }
  return FormPart{name, file.file_name(),
                  file.content_type().empty() ? "application/octet-stream"
                                              : file.content_type(),
                  file.content()};
}

// The parts of a multipart body made from `body` (see MaesnOperation.
// multipart in options.proto), in field order.
absl::StatusOr<std::vector<FormPart>> FormParts(const Message& body,
                                                const std::string& path) {
  std::vector<FormPart> parts;
  const Reflection& r = *body.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r.ListFields(body, &fields);
  for (const FieldDescriptor* f : fields) {
    const std::string name = f->json_name();
    const std::string where = absl::StrCat(path, ".", f->name());
    const int n = f->is_repeated() ? r.FieldSize(body, f) : 1;
    for (int i = 0; i < n; ++i) {
      const std::string at =
          f->is_repeated() ? absl::StrCat(where, "[", i, "]") : where;
      const Message* message = nullptr;
      std::string type;
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        message = f->is_repeated() ? &r.GetRepeatedMessage(body, f, i)
                                   : &r.GetMessage(body, f);
        type = message->GetDescriptor()->full_name();
      }
      if (type == "maesn.accounting.v1.FilePart") {
        absl::StatusOr<FormPart> part =
            FilePartOf(name, static_cast<const v1::FilePart&>(*message), at);
        if (!part.ok()) return part.status();
        parts.push_back(*std::move(part));
      } else if (type == "google.type.Date") {
        // A calendar date as in JSON bodies (midnight of that day, UTC).
        if (absl::Status s = mapping::CheckCalendarDate(at, *message);
            !s.ok()) {
          return s;
        }
        parts.push_back(
            FormPart{name, "", "",
                     mapping::FormatMaesnDateTime(mapping::GetDate(*message))});
      } else if (message != nullptr && type != "google.protobuf.Timestamp") {
        absl::StatusOr<std::string> json = mapping::RequestBody(*message, at);
        if (!json.ok()) return json.status();
        parts.push_back(FormPart{name, "", "application/json", *json});
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM &&
                 !f->is_repeated()) {
        // As in a JSON body.
        absl::StatusOr<std::string> text =
            mapping::EnumToSend(*f, r.GetEnumValue(body, f), at);
        if (!text.ok()) return text.status();
        parts.push_back(FormPart{name, "", "", *std::move(text)});
      } else if (!f->is_repeated()) {
        parts.push_back(FormPart{name, "", "", QueryValue(body, *f)});
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        // A repeated string: one text part per value.
        parts.push_back(
            FormPart{name, "", "", r.GetRepeatedString(body, f, i)});
      } else {
        return InvalidField(at, "cannot be sent as a form part");
      }
    }
  }
  return parts;
}

// A boundary that occurs in none of `parts`.
std::string BoundaryFor(const std::vector<FormPart>& parts) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  for (;;) {
    const std::string boundary =
        absl::StrCat("maesn-gateway-", absl::Hex(random(), absl::kZeroPad16),
                     absl::Hex(random(), absl::kZeroPad16));
    bool clash = false;
    for (const FormPart& p : parts) {
      clash |= absl::StrContains(p.content, boundary);
    }
    if (!clash) return boundary;
  }
}

// The multipart/form-data body of `parts` and its Content-Type.
std::pair<std::string, std::string> EncodeForm(
    const std::vector<FormPart>& parts) {
  const std::string boundary = BoundaryFor(parts);
  std::string out;
  for (const FormPart& p : parts) {
    absl::StrAppend(&out, "--", boundary,
                    "\r\nContent-Disposition: form-data; name=\"", p.name,
                    "\"");
    if (!p.file_name.empty()) {
      // A quote in a file name is percent-encoded (HTML's form encoding);
      // control characters were refused.
      absl::StrAppend(&out, "; filename=\"",
                      absl::StrReplaceAll(p.file_name, {{"\"", "%22"}}), "\"");
    }
    out += "\r\n";
    if (!p.content_type.empty()) {
      absl::StrAppend(&out, "Content-Type: ", p.content_type, "\r\n");
    }
    absl::StrAppend(&out, "\r\n", p.content, "\r\n");
  }
  absl::StrAppend(&out, "--", boundary, "--\r\n");
  return {std::move(out),
          absl::StrCat("multipart/form-data; boundary=", boundary)};
}

bool WantsRawData(const RestBinding& b, const Message& request) {
  return b.raw_data_flag != nullptr && b.raw_data_field != nullptr &&
         request.GetReflection()->GetBool(request, b.raw_data_flag);
}

// The value of the binding's last path variable (the record's own id).
std::string LastPathId(const RestBinding& b, const Message& request) {
  for (auto it = b.path.rbegin(); it != b.path.rend(); ++it) {
    if (it->field != nullptr) {
      return request.GetReflection()->GetString(request, it->field);
    }
  }
  return {};
}

HttpRequest MakeHttpRequest(const CallContext& context,
                            absl::string_view method, BuiltRequest built) {
  HttpRequest req;
  req.method = std::string(method);
  req.target = std::move(built.target);
  req.headers = {
      {"X-API-KEY", context.credentials.api_key},
      {"X-ACCOUNT-KEY", context.credentials.account_key},
      {"Accept", "application/json"},
  };
  if (!context.request_id.empty()) {
    req.headers.emplace_back("X-Request-Id", context.request_id);
  }
  if (!context.traceparent.empty()) {
    req.headers.emplace_back("traceparent", context.traceparent);
  }
  if (!built.body.empty()) {
    req.headers.emplace_back("Content-Type", std::move(built.content_type));
    req.body = std::move(built.body);
  }
  return req;
}

void ObserveAttempt(UpstreamObserver* observer, absl::string_view operation,
                    const absl::StatusOr<HttpResponse>& http,
                    absl::Time start) {
  if (observer != nullptr) {
    observer->OnUpstreamAttempt(operation, http.ok() ? http->status : 0,
                                absl::Now() - start);
  }
}

// OK for a usable 2xx answer; else the mapped error, naming the operation.
absl::Status CheckResponse(const absl::StatusOr<HttpResponse>& http,
                           absl::string_view operation) {
  if (!http.ok()) {
    return WithErrorMetadata(http.status(), "operation", operation);
  }
  absl::Status status = StatusFromHttpResponse(*http, operation);
  if (!status.ok()) return status;
  const std::string type = absl::AsciiStrToLower(http->Header("Content-Type"));
  if (!type.empty() && !absl::StrContains(type, "json")) {
    return WithErrorInfo(
        absl::InternalError(
            "Maesn's response is unusable: it is not JSON (Content-Type " +
            type.substr(0, 64) + ")"),
        "INVALID_UPSTREAM_RESPONSE",
        {{"operation", std::string(operation)},
         {"http_status", std::to_string(http->status)}});
  }
  return absl::OkStatus();
}

// Maps a usable 2xx answer into `response` (ParseResponse and the task id
// of an asynchronous answer); errors name the operation.
absl::Status MapAnswer(const RestBinding& b, const Message& request,
                       absl::string_view body, Message& response) {
  absl::Status s = ParseResponse(b, request, body, response);
  if (s.ok()) s = ReadAsyncTaskId(b, body, response);
  if (!s.ok()) {
    return WithErrorMetadata(std::move(s), "operation", b.operation_id);
  }
  return s;
}

}  // namespace

absl::Status ReadAsyncTaskId(const RestBinding& b, absl::string_view body,
                             Message& response) {
  if (b.task_id_field == nullptr) return absl::OkStatus();
  std::optional<std::string> id = mapping::ReadTaskId(body);
  if (id.has_value()) {
    response.GetReflection()->SetString(&response, b.task_id_field,
                                        *std::move(id));
  } else if (b.data == v1::MAESN_DATA_TASK_ID) {
    // The answer was all about the task id: say that it is missing.
    v1::MappingWarning* w =
        static_cast<v1::ResponseMeta*>(
            response.GetReflection()->MutableMessage(&response, b.meta_field))
            ->add_mapping_warnings();
    w->set_field(b.task_id_field->name());
    w->set_message("Maesn's answer carries no taskId");
  }
  return absl::OkStatus();
}

absl::StatusOr<BuiltRequest> BuildRequest(const RestBinding& b,
                                          const Message& request,
                                          const PagePosition* page) {
  const Reflection& r = *request.GetReflection();
  Target t("");
  for (const PathPiece& piece : b.path) {
    if (piece.field == nullptr) {
      t.Fixed(piece.literal);
    } else {
      t.Segment(r.GetString(request, piece.field));
    }
  }
  if (b.paged && page != nullptr) {
    if (page->send_page) t.Query("page", absl::StrCat(page->page));
    if (page->limit > 0) t.Query("limit", absl::StrCat(page->limit));
  }
  for (const QueryParameter& q : b.query) {
    t.Query(q.name, QueryValue(request, *q.field));
  }
  BuiltRequest out;
  out.target = t.str();
  if (b.body != nullptr) {
    const Message& body = r.GetMessage(request, b.body);
    // The paths of a FieldMask request field.
    auto paths = [&](const FieldDescriptor* mask_field) {
      const auto& mask = static_cast<const google::protobuf::FieldMask&>(
          r.GetMessage(request, mask_field));
      return absl::flat_hash_set<std::string>(mask.paths().begin(),
                                              mask.paths().end());
    };
    absl::flat_hash_set<std::string> only_fields;
    absl::flat_hash_set<std::string> empty_fields;
    mapping::WriteOptions options;
    if (b.update_mask != nullptr) {
      only_fields = paths(b.update_mask);
      options.only_fields = &only_fields;
    }
    if (b.empty_fields != nullptr) {
      empty_fields = paths(b.empty_fields);
      options.send_empty = &empty_fields;
    }
    if (b.multipart) {
      absl::StatusOr<std::vector<FormPart>> parts =
          FormParts(body, b.body->name());
      if (!parts.ok()) return parts.status();
      std::tie(out.body, out.content_type) = EncodeForm(*parts);
      return out;
    }
    absl::StatusOr<std::string> json =
        mapping::RequestBody(body, b.body->name(), options);
    if (!json.ok()) return json.status();
    out.body = *std::move(json);
  }
  return out;
}

namespace {

// rawData's exact text into raw_data_json, when the caller asked for raw
// data and the response has the field.
void SetRawDataText(const RestBinding& b, absl::string_view body,
                    Message& response) {
  if (b.raw_data_json_field == nullptr) return;
  if (auto text = mapping::FindJsonValueText(body, {"rawData"})) {
    response.GetReflection()->SetString(&response, b.raw_data_json_field,
                                        std::string(*text));
  }
}

absl::Status ParseResponseData(const RestBinding& b, const Message& request,
                               absl::string_view body, Message& response) {
  const Reflection& r = *response.GetReflection();
  auto& meta = static_cast<v1::ResponseMeta&>(
      *r.MutableMessage(&response, b.meta_field));
  const bool raw = WantsRawData(b, request);
  switch (b.data) {
    case v1::MAESN_DATA_RECORD:
      return mapping::ParseRecordResponse(
          body, *r.MutableMessage(&response, b.data_field), meta,
          raw ? static_cast<google::protobuf::Struct*>(
                    r.MutableMessage(&response, b.raw_data_field))
              : nullptr,
          b.data_field->name());
    case v1::MAESN_DATA_LIST:
      return mapping::ParseListResponse(
          body, response, b.data_field->name(), meta,
          raw ? static_cast<google::protobuf::Value*>(
                    r.MutableMessage(&response, b.raw_data_field))
              : nullptr);
    case v1::MAESN_DATA_STRING: {
      std::string result;
      bool has_result = false;
      absl::Status s =
          mapping::ParseStringResponse(body, &result, &has_result, meta);
      if (s.ok() && has_result) {
        r.SetString(&response, b.data_field, std::move(result));
      }
      return s;
    }
    case v1::MAESN_DATA_DOCUMENT:
      return mapping::ParseDocumentResponse(
          body,
          static_cast<v1::Document&>(
              *r.MutableMessage(&response, b.data_field)),
          meta);
    case v1::MAESN_DATA_TASK:
      return mapping::ParseTaskResponse(
          body, LastPathId(b, request),
          static_cast<v1::Task&>(*r.MutableMessage(&response, b.data_field)),
          meta);
    case v1::MAESN_DATA_UNTYPED:
      return mapping::ParseUntypedResponse(body, response, *b.data_field, meta);
    case v1::MAESN_DATA_TASK_ID: {
      // Only the envelope's meta here; ReadAsyncTaskId takes the id.
      google::protobuf::Empty nothing;
      return mapping::ParseRecordResponse(body, nothing, meta, nullptr, "data");
    }
    default:
      return absl::InternalError("unknown data shape");
  }
}

}  // namespace

absl::Status ParseResponse(const RestBinding& b, const Message& request,
                           absl::string_view body, Message& response) {
  absl::Status s = ParseResponseData(b, request, body, response);
  if (s.ok() && WantsRawData(b, request)) SetRawDataText(b, body, response);
  return s;
}

absl::Status HttpsMaesnStub::Call(CallContext& context, const RestBinding& b,
                                  const Message& request,
                                  const PagePosition* page, Message& response) {
  absl::StatusOr<BuiltRequest> built = BuildRequest(b, request, page);
  if (!built.ok()) return built.status();
  HttpRequest req = MakeHttpRequest(context, b.http_method, *std::move(built));
  const absl::Time start = absl::Now();
  absl::StatusOr<HttpResponse> http = transport_->Send(req, context);
  ObserveAttempt(observer_, b.operation_id, http, start);
  absl::Status s = CheckResponse(http, b.operation_id);
  if (!s.ok()) return s;
  return MapAnswer(b, request, http->body, response);
}

void HttpsMaesnStub::AsyncCall(CallContext& context, const RestBinding& b,
                               const Message& request, const PagePosition* page,
                               Message& response, Done done) {
  if (async_ == nullptr) {
    MaesnStub::AsyncCall(context, b, request, page, response, std::move(done));
    return;
  }
  absl::StatusOr<BuiltRequest> built = BuildRequest(b, request, page);
  if (!built.ok()) {
    std::move(done)(built.status());
    return;
  }
  // The check SendAndWait makes: nothing leaves for a caller who is gone.
  if (absl::Status s = CheckBeforeSending(context); !s.ok()) {
    std::move(done)(
        WithErrorMetadata(std::move(s), "operation", b.operation_id));
    return;
  }
  ++context.stats.attempts;
  HttpRequest req = MakeHttpRequest(context, b.http_method, *std::move(built));
  std::shared_ptr<CancelLatch> latch;
  if (context.cancel != nullptr) {
    latch = std::make_shared<CancelLatch>();
    context.cancel->SetHook([latch] { latch->Cancel(); });
  }
  const absl::Time start = absl::Now();
  std::shared_ptr<AsyncOperation> transfer = async_->Start(
      std::move(req), context.deadline,
      [&context, &b, &request, &response, start, observer = observer_,
       cpu = cpu_, offload = offload_bytes_,
       done = std::move(done)](absl::StatusOr<HttpResponse> http) mutable {
        if (context.cancel != nullptr) context.cancel->ClearHook();
        if (http.ok()) context.stats.upstream_status = http->status;
        ObserveAttempt(observer, b.operation_id, http, start);
        absl::Status s = CheckResponse(http, b.operation_id);
        if (!s.ok()) {
          std::move(done)(std::move(s));
          return;
        }
        if (cpu != nullptr && http->body.size() > offload) {
          // A large answer is mapped off the event loop. The closure is
          // shared so that a refused Submit leaves it here to run inline.
          auto map = std::make_shared<absl::AnyInvocable<void()>>(
              [&b, &request, &response, body = std::move(http->body),
               done = std::move(done)]() mutable {
                std::move(done)(MapAnswer(b, request, body, response));
              });
          if (!cpu->Submit([map] { (*map)(); })) (*map)();
          return;
        }
        std::move(done)(MapAnswer(b, request, http->body, response));
      });
  if (latch != nullptr) latch->Attach(std::move(transfer));
}

}  // namespace maesn::gateway
