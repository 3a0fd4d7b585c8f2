// libFuzzer target: arbitrary bytes as Maesn's answer to every operation.
//
// The bytes are read as the JSON body of the response messages of the
// contract (found from the descriptors, so resources added later are fuzzed
// too): as one record (ParseRecordResponse) of a singular record field and
// as a page (ParseListResponse) of a repeated one, each picked by a hash of
// the input so that every input always meets the same readers and all
// readers are met across inputs; and always as a task, a document and an
// error body. The streaming record reader is also checked against the tree
// reader it must agree with. Nothing may crash, hang or trip a sanitizer, and
// every response built must serialize and parse back with protobuf's default
// limits (what any gRPC client does).
//
//   mapping_fuzzer -max_total_time=60 <new corpus dir> tests/testdata/maesn

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gateway/maesn/http_status.h"
#include "gateway/mapping/document_mapping.h"
#include "gateway/mapping/envelope.h"
#include "gateway/mapping/envelope_internal.h"
#include "gateway/mapping/error_body.h"
#include "gateway/mapping/json_stream_reader.h"
#include "gateway/mapping/task_mapping.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/message_differencer.h"
#include "maesn/accounting/v1/bill.pb.h"
#include "maesn/accounting/v1/common.pb.h"
#include "maesn/accounting/v1/invoice.pb.h"
#include "maesn/accounting/v1/task.pb.h"

namespace {

namespace v1 = ::maesn::accounting::v1;
namespace mapping = ::maesn::gateway::mapping;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

struct Target {
  const Message* prototype;
  const FieldDescriptor* field;  // the record(s) field of the response
};

bool IsRecord(const FieldDescriptor* f) {
  if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return false;
  const Descriptor* d = f->message_type();
  return d->file()->package() == "maesn.accounting.v1" &&
         d != v1::ResponseMeta::descriptor();
}

std::vector<Target> Targets() {
  std::vector<Target> out;
  for (const auto* file :
       {v1::Invoice::descriptor()->file(), v1::Bill::descriptor()->file(),
        v1::Task::descriptor()->file()}) {
    for (int i = 0; i < file->message_type_count(); ++i) {
      const Descriptor* d = file->message_type(i);
      const std::string& name = d->name();
      if (name.size() < 8 ||
          name.compare(name.size() - 8, 8, "Response") != 0) {
        continue;
      }
      const Message* prototype =
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(
              d);
      for (int k = 0; k < d->field_count(); ++k) {
        if (IsRecord(d->field(k))) out.push_back({prototype, d->field(k)});
      }
    }
  }
  return out;
}

void MustRoundTrip(const Message& m) {
  std::string bytes;
  if (!m.SerializeToString(&bytes)) __builtin_trap();
  std::unique_ptr<Message> back(m.New());
  // Default recursion limit (100) and UTF-8 checks: a client must be able
  // to read whatever the gateway answers.
  if (!back->ParseFromString(bytes)) __builtin_trap();
}

uint64_t Fnv1a(absl::string_view bytes) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<Target>* records = new std::vector<Target>([] {
    std::vector<Target> out;
    for (const Target& t : Targets()) {
      if (!t.field->is_repeated()) out.push_back(t);
    }
    return out;
  }());
  static const std::vector<Target>* lists = new std::vector<Target>([] {
    std::vector<Target> out;
    for (const Target& t : Targets()) {
      if (t.field->is_repeated()) out.push_back(t);
    }
    return out;
  }());
  const absl::string_view body(reinterpret_cast<const char*>(data), size);
  const uint64_t h = Fnv1a(body);
  std::vector<Target> picked;
  if (!records->empty()) picked.push_back((*records)[h % records->size()]);
  if (!lists->empty()) picked.push_back((*lists)[(h >> 20) % lists->size()]);

  for (const Target& t : picked) {
    std::unique_ptr<Message> response(t.prototype->New());
    const google::protobuf::Reflection* r = response->GetReflection();
    const FieldDescriptor* meta_field =
        response->GetDescriptor()->FindFieldByName("meta");
    v1::ResponseMeta scratch;
    v1::ResponseMeta* meta =
        meta_field != nullptr &&
                meta_field->message_type() == v1::ResponseMeta::descriptor()
            ? static_cast<v1::ResponseMeta*>(
                  r->MutableMessage(response.get(), meta_field))
            : &scratch;
    const FieldDescriptor* raw_field =
        response->GetDescriptor()->FindFieldByName("raw_data");
    if (t.field->is_repeated()) {
      google::protobuf::Value* raw =
          raw_field != nullptr && raw_field->message_type() ==
                                      google::protobuf::Value::descriptor()
              ? static_cast<google::protobuf::Value*>(
                    r->MutableMessage(response.get(), raw_field))
              : nullptr;
      (void)mapping::ParseListResponse(body, *response, t.field->name(), *meta,
                                       raw);
    } else {
      google::protobuf::Struct* raw =
          raw_field != nullptr && raw_field->message_type() ==
                                      google::protobuf::Struct::descriptor()
              ? static_cast<google::protobuf::Struct*>(
                    r->MutableMessage(response.get(), raw_field))
              : nullptr;
      (void)mapping::ParseRecordResponse(
          body, *r->MutableMessage(response.get(), t.field), *meta, raw,
          t.field->name());
    }
    MustRoundTrip(*response);
  }

  // The streaming record reader must give exactly what the tree reader
  // gives whenever it takes a document, and leave everything empty when it
  // does not (json_stream_reader.h).
  if (!records->empty()) {
    const Target& t = (*records)[h % records->size()];
    const Descriptor* type = t.field->message_type();
    const Message* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(
            type);
    std::unique_ptr<Message> fast(prototype->New());
    std::unique_ptr<Message> tree(prototype->New());
    v1::ResponseMeta fast_meta, tree_meta;
    google::protobuf::Struct fast_raw, tree_raw;
    if (!mapping::internal::NestedDeeperThan(
            body, mapping::internal::kMaxJsonNesting)) {
      if (mapping::internal::StreamRecordResponse(body, *fast, fast_meta,
                                                  &fast_raw, "record")) {
        (void)mapping::internal::ParseRecordResponseTree(body, *tree, tree_meta,
                                                         &tree_raw, "record");
        // A disagreement is printed before the crash, so that a failing
        // run names the field.
        std::string diff;
        google::protobuf::util::MessageDifferencer differ;
        differ.ReportDifferencesToString(&diff);
        const bool same = differ.Compare(*fast, *tree) &&
                          differ.Compare(fast_meta, tree_meta) &&
                          differ.Compare(fast_raw, tree_raw);
        if (!same) {
          std::fprintf(stderr, "streaming and tree readers disagree on %s:\n%s",
                       type->full_name().c_str(), diff.c_str());
          __builtin_trap();
        }
      } else if (fast->ByteSizeLong() != 0 || fast_meta.ByteSizeLong() != 0 ||
                 fast_raw.ByteSizeLong() != 0) {
        __builtin_trap();
      }
    }
  }

  {
    v1::GetTaskResponse task;
    (void)mapping::ParseTaskResponse(body, "task-1", *task.mutable_task(),
                                     *task.mutable_meta());
    MustRoundTrip(task);
    v1::GetInvoiceDocumentResponse doc;
    (void)mapping::ParseDocumentResponse(body, *doc.mutable_document(),
                                         *doc.mutable_meta());
    MustRoundTrip(doc);
  }

  {
    static constexpr int kStatuses[] = {301, 400, 404, 405, 429, 500, 503};
    maesn::gateway::HttpResponse response;
    response.status = kStatuses[(h >> 40) % 7];
    response.body = std::string(body);
    response.headers.emplace_back("Retry-After",
                                  std::string(body.substr(0, 40)));
    absl::Status s = maesn::gateway::StatusFromHttpResponse(response, "op");
    if (s.ok()) __builtin_trap();
    // The message becomes google.rpc.Status.message: valid UTF-8 always.
    v1::MappingWarning probe;
    probe.set_message(std::string(s.message()));
    MustRoundTrip(probe);
  }
  return 0;
}
