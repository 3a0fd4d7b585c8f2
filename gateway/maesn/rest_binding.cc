#include "gateway/maesn/rest_binding.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/struct.pb.h"
#include "maesn/accounting/v1/task.pb.h"
#include "maesn_contract.h"

namespace maesn::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

constexpr absl::string_view kContractPackage = "maesn.accounting.v1";

absl::Status Bad(const MethodDescriptor& m, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("rpc ", m.full_name(), ": ", what));
}

bool IsMessage(const FieldDescriptor* f, absl::string_view full_name) {
  return f != nullptr && f->type() == FieldDescriptor::TYPE_MESSAGE &&
         f->message_type()->full_name() == full_name;
}

// A type a query parameter can carry: a scalar, an enum, or a timestamp or
// calendar date.
bool IsQueryType(const FieldDescriptor& f) {
  if (f.is_repeated()) return false;
  if (f.type() != FieldDescriptor::TYPE_MESSAGE) {
    return f.type() != FieldDescriptor::TYPE_BYTES;
  }
  const std::string& t = f.message_type()->full_name();
  return t == "google.protobuf.Timestamp" || t == "google.type.Date";
}

// Splits "/a/{x}/b/{y}" into literals and variables.
absl::Status ParsePath(const MethodDescriptor& m, absl::string_view templ,
                       RestBinding& b) {
  if (!absl::StartsWith(templ, "/")) {
    return Bad(m, absl::StrCat("path \"", templ, "\" must start with /"));
  }
  const Descriptor& request = *m.input_type();
  std::string literal;
  for (std::size_t i = 0; i < templ.size();) {
    if (templ[i] == '}') return Bad(m, "path has an unmatched }");
    if (templ[i] != '{') {
      literal.push_back(templ[i++]);
      continue;
    }
    const std::size_t close = templ.find('}', i);
    if (close == absl::string_view::npos) {
      return Bad(m, "path has an unmatched {");
    }
    std::string name(templ.substr(i + 1, close - i - 1));
    if (absl::EndsWith(name, "=*")) name.resize(name.size() - 2);
    const FieldDescriptor* f = request.FindFieldByName(name);
    if (f == nullptr || f->is_repeated() ||
        f->type() != FieldDescriptor::TYPE_STRING) {
      return Bad(m, absl::StrCat("path variable {", name,
                                 "} names no string "
                                 "field of ",
                                 request.full_name()));
    }
    const bool whole_segment =
        !literal.empty() && literal.back() == '/' &&
        (close + 1 == templ.size() || templ[close + 1] == '/');
    if (!whole_segment) {
      return Bad(m, absl::StrCat("path variable {", name,
                                 "} must be a whole segment"));
    }
    literal.pop_back();  // the variable's segment brings its own "/"
    if (!literal.empty()) b.path.push_back({std::move(literal), nullptr});
    literal.clear();
    b.path.push_back({"", f});
    i = close + 1;
  }
  if (!literal.empty()) b.path.push_back({std::move(literal), nullptr});
  return absl::OkStatus();
}

absl::Status ReadHttpRule(const MethodDescriptor& m,
                          const google::api::HttpRule& rule, RestBinding& b) {
  std::string templ;
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      b.http_method = "GET";
      templ = rule.get();
      break;
    case google::api::HttpRule::kPost:
      b.http_method = "POST";
      templ = rule.post();
      break;
    case google::api::HttpRule::kPut:
      b.http_method = "PUT";
      templ = rule.put();
      break;
    case google::api::HttpRule::kPatch:
      b.http_method = "PATCH";
      templ = rule.patch();
      break;
    case google::api::HttpRule::kDelete:
      b.http_method = "DELETE";
      templ = rule.delete_();
      break;
    default:
      return Bad(m, "google.api.http must be get, post, put, patch or delete");
  }
  if (absl::Status s = ParsePath(m, templ, b); !s.ok()) return s;
  const Descriptor& request = *m.input_type();
  if (!rule.body().empty()) {
    if (rule.body() == "*") {
      return Bad(m, "body \"*\" is not supported: name the body field");
    }
    b.body = request.FindFieldByName(rule.body());
    if (b.body == nullptr || b.body->is_repeated() ||
        b.body->type() != FieldDescriptor::TYPE_MESSAGE) {
      return Bad(m, absl::StrCat("body \"", rule.body(),
                                 "\" names no message field of ",
                                 request.full_name()));
    }
    const FieldDescriptor* mask = request.FindFieldByName("update_mask");
    if (IsMessage(mask, "google.protobuf.FieldMask")) b.update_mask = mask;
    const FieldDescriptor* empty = request.FindFieldByName("empty_fields");
    if (IsMessage(empty, "google.protobuf.FieldMask")) b.empty_fields = empty;
  }
  return absl::OkStatus();
}

absl::Status ReadMaesnCall(const MethodDescriptor& m,
                           const v1::MaesnOperation& op, RestBinding& b) {
  const Descriptor& request = *m.input_type();
  const Descriptor& response = *m.output_type();
  if (m.client_streaming() || m.server_streaming()) {
    return Bad(m, "a Maesn operation must be a unary rpc");
  }
  if (op.operation_id().empty()) return Bad(m, "operation_id is missing");
  b.operation_id = op.operation_id();
  if (op.multipart()) {
    if (b.body == nullptr || b.update_mask != nullptr ||
        b.empty_fields != nullptr) {
      return Bad(m,
                 "multipart needs a body and goes without update_mask and "
                 "empty_fields");
    }
    b.multipart = true;
  }
  b.data = op.data();
  b.data_field = response.FindFieldByName(op.data_field());
  const FieldDescriptor* f = b.data_field;
  switch (b.data) {
    case v1::MAESN_DATA_RECORD:
    case v1::MAESN_DATA_DOCUMENT:
    case v1::MAESN_DATA_TASK:
      if (f == nullptr || f->is_repeated() ||
          f->type() != FieldDescriptor::TYPE_MESSAGE) {
        return Bad(m, "data_field must name a message field of the response");
      }
      break;
    case v1::MAESN_DATA_LIST:
      if (f == nullptr || !f->is_repeated() ||
          f->type() != FieldDescriptor::TYPE_MESSAGE) {
        return Bad(m, "data_field must name a repeated message field");
      }
      break;
    case v1::MAESN_DATA_STRING:
      if (f == nullptr || f->is_repeated() ||
          f->type() != FieldDescriptor::TYPE_STRING) {
        return Bad(m, "data_field must name a string field of the response");
      }
      break;
    case v1::MAESN_DATA_UNTYPED:
      if (f == nullptr || f->is_repeated() ||
          !(IsMessage(f, "google.protobuf.Struct") ||
            IsMessage(f, "google.protobuf.Value"))) {
        return Bad(m,
                   "data_field must name a google.protobuf.Struct or Value "
                   "field");
      }
      break;
    case v1::MAESN_DATA_TASK_ID:
      if (f != nullptr || !op.data_field().empty()) {
        return Bad(m, "MAESN_DATA_TASK_ID has no data_field (task_id gets it)");
      }
      break;
    default:
      return Bad(m, "data (the shape of Maesn's data) is missing or unknown");
  }
  b.meta_field = response.FindFieldByName("meta");
  if (!IsMessage(b.meta_field, "maesn.accounting.v1.ResponseMeta")) {
    return Bad(m, "the response has no ResponseMeta meta field");
  }
  b.raw_data_field = response.FindFieldByName("raw_data");
  b.raw_data_json_field = response.FindFieldByName("raw_data_json");
  if (b.raw_data_json_field != nullptr &&
      (b.raw_data_json_field->type() != FieldDescriptor::TYPE_STRING ||
       b.raw_data_json_field->is_repeated() || b.raw_data_field == nullptr)) {
    return Bad(m, "raw_data_json must be a string next to raw_data");
  }
  b.task_id_field = response.FindFieldByName("task_id");
  if (b.task_id_field != nullptr &&
      (b.task_id_field->type() != FieldDescriptor::TYPE_STRING ||
       b.task_id_field->is_repeated())) {
    return Bad(m, "the response's task_id must be a string");
  }
  if (b.data == v1::MAESN_DATA_TASK_ID && b.task_id_field == nullptr) {
    return Bad(m, "MAESN_DATA_TASK_ID needs a string task_id in the response");
  }
  const FieldDescriptor* page_size = request.FindFieldByName("page_size");
  const FieldDescriptor* page_token = request.FindFieldByName("page_token");
  if (page_size != nullptr || page_token != nullptr) {
    const FieldDescriptor* next = response.FindFieldByName("next_page_token");
    const FieldDescriptor* total = response.FindFieldByName("total_size");
    if ((b.data != v1::MAESN_DATA_LIST && b.data != v1::MAESN_DATA_TASK) ||
        page_size == nullptr || page_token == nullptr ||
        page_size->type() != FieldDescriptor::TYPE_INT32 ||
        page_token->type() != FieldDescriptor::TYPE_STRING || next == nullptr ||
        next->type() != FieldDescriptor::TYPE_STRING || total == nullptr ||
        total->type() != FieldDescriptor::TYPE_INT32) {
      return Bad(m,
                 "a paged rpc needs page_size and page_token in the request, "
                 "next_page_token and total_size in the response and data "
                 "MAESN_DATA_LIST or MAESN_DATA_TASK");
    }
    b.page_number = request.FindFieldByName("page");
    if (b.page_number != nullptr &&
        (b.page_number->type() != FieldDescriptor::TYPE_INT32 ||
         b.page_number->is_repeated())) {
      return Bad(m, "a paged rpc's page must be an int32");
    }
    b.paged = true;
    b.page_size = page_size;
    b.page_token = page_token;
    b.next_page_token = next;
    b.total_size = total;
  }
  absl::flat_hash_set<const FieldDescriptor*> bound;
  for (const PathPiece& p : b.path) {
    if (p.field != nullptr) bound.insert(p.field);
  }
  if (b.body != nullptr) bound.insert(b.body);
  if (b.update_mask != nullptr) bound.insert(b.update_mask);
  if (b.empty_fields != nullptr) bound.insert(b.empty_fields);
  if (b.paged) bound.insert({page_size, page_token});
  if (b.page_number != nullptr) bound.insert(b.page_number);
  for (const std::string& entry : op.query()) {
    std::pair<std::string, std::string> parts =
        absl::StrSplit(entry, absl::MaxSplits(':', 1));
    const FieldDescriptor* q = request.FindFieldByName(parts.first);
    if (q == nullptr || !IsQueryType(*q)) {
      return Bad(m, absl::StrCat("query \"", entry,
                                 "\" names no scalar, enum, timestamp or "
                                 "date field of ",
                                 request.full_name()));
    }
    if (!bound.insert(q).second) {
      return Bad(m, absl::StrCat("field ", q->name(), " is bound twice"));
    }
    b.query.push_back(
        {q, parts.second.empty() ? q->json_name() : parts.second});
    if (q->name() == "raw_data" && q->type() == FieldDescriptor::TYPE_BOOL) {
      b.raw_data_flag = q;
    }
  }
  for (const std::string& name : op.not_sent()) {
    const FieldDescriptor* unsent = request.FindFieldByName(name);
    if (unsent == nullptr || !bound.insert(unsent).second) {
      return Bad(m, absl::StrCat("not_sent \"", name,
                                 "\" names no unbound request field"));
    }
    b.not_sent.push_back(unsent);
  }
  for (int i = 0; i < request.field_count(); ++i) {
    if (!bound.contains(request.field(i))) {
      return Bad(m, absl::StrCat("request field ", request.field(i)->name(),
                                 " is neither in the path, the body, the "
                                 "query, paging nor not_sent"));
    }
  }
  return absl::OkStatus();
}

// A stream request carries the list request's fields (same names, numbers
// and types) except page_token, so its wire form is a list request.
absl::Status MatchStream(const MethodDescriptor& m, RestBinding& b) {
  const Descriptor& list_request = *b.list->method->input_type();
  const Descriptor& request = *m.input_type();
  for (int i = 0; i < request.field_count(); ++i) {
    const FieldDescriptor* f = request.field(i);
    const FieldDescriptor* g = list_request.FindFieldByNumber(f->number());
    if (g == nullptr || g->name() != f->name() || g->type() != f->type() ||
        g->label() != f->label() || f->name() == "page_token") {
      return Bad(m, absl::StrCat("field ", f->name(),
                                 " does not match the list request ",
                                 list_request.full_name()));
    }
  }
  const Descriptor& response = *m.output_type();
  const Descriptor* record = b.list->data_field->message_type();
  for (int i = 0; i < response.field_count(); ++i) {
    const FieldDescriptor* f = response.field(i);
    if (!f->is_repeated() && f->message_type() == record) b.stream_record = f;
  }
  b.stream_meta = response.FindFieldByName("meta");
  if (b.stream_record == nullptr ||
      !IsMessage(b.stream_meta, "maesn.accounting.v1.ResponseMeta")) {
    return Bad(m, absl::StrCat("the stream message needs a ", record->name(),
                               " field and a meta field"));
  }
  b.stream_total_size = response.FindFieldByName("total_size");
  if (b.stream_total_size != nullptr &&
      (b.stream_total_size->type() != FieldDescriptor::TYPE_INT32 ||
       b.stream_total_size->is_repeated())) {
    return Bad(m, "the stream message's total_size must be an int32");
  }
  return absl::OkStatus();
}

}  // namespace

void SetPageOutcome(const RestBinding& b,
                    const google::protobuf::Message& request,
                    const PagePosition& position,
                    google::protobuf::Message& response) {
  if (!b.paged) return;
  const google::protobuf::Reflection& r = *response.GetReflection();
  int records = 0;
  if (b.data == v1::MAESN_DATA_LIST) {
    records = r.FieldSize(response, b.data_field);
  } else if (r.HasField(response, b.data_field)) {
    const auto& task =
        static_cast<const v1::Task&>(r.GetMessage(response, b.data_field));
    if (task.has_response_data()) {
      const google::protobuf::Value& data = task.response_data();
      records = data.has_list_value() ? data.list_value().values_size() : 1;
    }
  }
  const auto& meta = static_cast<const v1::ResponseMeta&>(
      r.GetMessage(response, b.meta_field));
  PageOutcome outcome = DecidePage(request, position, meta, records);
  r.SetString(&response, b.next_page_token, std::move(outcome.next_page_token));
  r.SetInt32(&response, b.total_size, outcome.total_size);
}

absl::string_view GrpcType(RpcKind kind) {
  return kind == RpcKind::kPageStream || kind == RpcKind::kWatch
             ? "server_stream"
             : "unary";
}

std::vector<const ServiceDescriptor*> BindingTable::ContractServices() {
  std::vector<const ServiceDescriptor*> services;
  for (const google::protobuf::FileDescriptor* file : ContractFiles()) {
    if (file == nullptr || file->package() != kContractPackage) continue;
    for (int i = 0; i < file->service_count(); ++i) {
      services.push_back(file->service(i));
    }
  }
  return services;
}

absl::StatusOr<std::unique_ptr<BindingTable>> BindingTable::Build(
    const std::vector<const ServiceDescriptor*>& services) {
  std::unique_ptr<BindingTable> table(new BindingTable());
  table->services_ = services;
  // Two passes: Maesn operations first, then the rpcs built on them.
  for (int pass = 0; pass < 2; ++pass) {
    for (const ServiceDescriptor* service : services) {
      for (int i = 0; i < service->method_count(); ++i) {
        const MethodDescriptor& m = *service->method(i);
        const google::protobuf::MethodOptions& options = m.options();
        const v1::MaesnOperation& op = options.GetExtension(v1::operation);
        const bool own_call =
            options.HasExtension(google::api::http) && op.stream_of().empty();
        if ((pass == 0) != own_call) continue;
        auto b = std::make_unique<RestBinding>();
        b->method = &m;
        b->rpc = absl::StrCat("/", service->full_name(), "/", m.name());
        if (own_call) {
          if (absl::Status s =
                  ReadHttpRule(m, options.GetExtension(google::api::http), *b);
              !s.ok()) {
            return s;
          }
          if (absl::Status s = ReadMaesnCall(m, op, *b); !s.ok()) return s;
        } else if (!op.stream_of().empty()) {
          b->kind = RpcKind::kPageStream;
          b->list = table->Find(
              absl::StrCat("/", service->full_name(), "/", op.stream_of()));
          if (b->list == nullptr || !b->list->paged) {
            return Bad(m, absl::StrCat("stream_of \"", op.stream_of(),
                                       "\" names no paged list rpc"));
          }
          if (!m.server_streaming() || m.client_streaming()) {
            return Bad(m, "a page stream must be a server-streaming rpc");
          }
          if (absl::Status s = MatchStream(m, *b); !s.ok()) return s;
        } else if (op.follow() != v1::MAESN_FOLLOW_UNSPECIFIED) {
          b->kind = op.follow() == v1::MAESN_FOLLOW_WATCH ? RpcKind::kWatch
                                                          : RpcKind::kWait;
          if (m.server_streaming() != (b->kind == RpcKind::kWatch) ||
              m.client_streaming()) {
            return Bad(m, "WATCH must be server-streaming, WAIT unary");
          }
          b->poll = table->Find(
              absl::StrCat("/", service->full_name(), "/", op.poll()));
          if (b->poll == nullptr || b->poll->data != v1::MAESN_DATA_TASK) {
            return Bad(m, absl::StrCat("poll \"", op.poll(),
                                       "\" names no task-reading rpc"));
          }
        } else {
          return Bad(m,
                     "has no google.api.http annotation and follows no task");
        }
        table->by_rpc_[b->rpc] = b.get();
        table->bindings_.push_back(std::move(b));
      }
    }
  }
  return table;
}

const RestBinding* BindingTable::Find(absl::string_view rpc) const {
  auto it = by_rpc_.find(rpc);
  return it == by_rpc_.end() ? nullptr : it->second;
}

}  // namespace maesn::gateway
