#include "gateway/mapping/json_stream_reader.h"

#include <algorithm>
#include <bitset>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/mapping/envelope_internal.h"
#include "gateway/mapping/json_proto.h"
#include "gateway/mapping/json_proto_internal.h"
#include "gateway/mapping/time_format.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"

namespace maesn::gateway::mapping::internal {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using Json = nlohmann::json;

// Messages with more fields are read by the tree reader.
constexpr int kMaxFields = 128;
// Nesting of envelope, records, arrays and messages (the contract needs 6).
constexpr std::size_t kMaxFrames = 32;

// ---------------------------------------------------------------------------
// Plans: what the reader needs to know about each message type, worked out
// once per type from its descriptor.

// How a field's values are read. kOther: every value goes through
// ReadFieldValue (ints, bytes, Value, Struct, maps, ...).
enum class Kind : std::uint8_t {
  kString,
  kDouble,
  kFloat,
  kBool,
  kEnum,
  kTimestamp,
  kMessage,
  kOther
};

struct MessagePlan;

struct FieldPlan {
  const FieldDescriptor* field = nullptr;
  Kind kind = Kind::kOther;
  const MessagePlan* message = nullptr;  // kMessage
};

struct MessagePlan {
  const Descriptor* descriptor = nullptr;
  std::vector<FieldPlan> fields;  // by field index
  // Property name (the field's camelCase name) -> field.
  absl::flat_hash_map<std::string, const FieldPlan*> by_property;

  const FieldPlan* Find(absl::string_view property) const {
    auto it = by_property.find(property);
    return it == by_property.end() ? nullptr : it->second;
  }
};

bool IsGenerated(const Descriptor* d) {
  return d->file()->pool() == DescriptorPool::generated_pool();
}

// Plans for generated message types, built on first use and kept for the
// life of the process (like the descriptors they point to). Thread-safe.
class PlanRegistry {
 public:
  // nullptr when `d` is not a generated type or has too many fields.
  const MessagePlan* Get(const Descriptor* d) {
    {
      absl::ReaderMutexLock lock(&mu_);
      auto it = plans_.find(d);
      if (it != plans_.end()) return it->second.get();
    }
    absl::MutexLock lock(&mu_);
    return BuildLocked(d);
  }

 private:
  const MessagePlan* BuildLocked(const Descriptor* d)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = plans_.find(d);
    if (it != plans_.end()) return it->second.get();
    if (!IsGenerated(d) || d->field_count() > kMaxFields) {
      plans_.emplace(d, nullptr);
      return nullptr;
    }
    // Inserted before the fields are planned, so that recursive types end.
    MessagePlan* plan =
        plans_.emplace(d, std::make_unique<MessagePlan>()).first->second.get();
    plan->descriptor = d;
    plan->fields.resize(static_cast<std::size_t>(d->field_count()));
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      FieldPlan& fp = plan->fields[static_cast<std::size_t>(i)];
      fp.field = f;
      fp.kind = KindOf(f);
      if (fp.kind == Kind::kMessage) {
        fp.message = BuildLocked(f->message_type());
        if (fp.message == nullptr) fp.kind = Kind::kOther;
      }
    }
    for (int i = 0; i < d->field_count(); ++i) {
      // Whatever ReadMessage's lookup finds for the name is what we use:
      // the json_name (Maesn's spelling where it is not lowerCamelCase),
      // then the lowerCamelCase name.
      for (const std::string* name :
           {&d->field(i)->json_name(), &d->field(i)->camelcase_name()}) {
        if (const FieldDescriptor* f = internal::PropertyField(*d, *name)) {
          plan->by_property.try_emplace(
              *name, &plan->fields[static_cast<std::size_t>(f->index())]);
        }
      }
    }
    return plan;
  }

  static Kind KindOf(const FieldDescriptor* f) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        return f->type() == FieldDescriptor::TYPE_STRING ? Kind::kString
                                                         : Kind::kOther;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return Kind::kDouble;
      case FieldDescriptor::CPPTYPE_FLOAT:
        return Kind::kFloat;
      case FieldDescriptor::CPPTYPE_BOOL:
        return Kind::kBool;
      case FieldDescriptor::CPPTYPE_ENUM:
        return Kind::kEnum;
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        if (f->is_map()) return Kind::kOther;
        const Descriptor* m = f->message_type();
        if (m == google::protobuf::Timestamp::descriptor()) {
          return Kind::kTimestamp;
        }
        if (m->file()->name() == "google/protobuf/struct.proto") {
          return Kind::kOther;  // Value, Struct, ListValue: any JSON
        }
        if (m->full_name() == "google.type.Date") {
          return Kind::kOther;  // a calendar date, read from a string
        }
        return Kind::kMessage;
      }
      default:
        return Kind::kOther;
    }
  }

  absl::Mutex mu_;
  absl::flat_hash_map<const Descriptor*, std::unique_ptr<MessagePlan>> plans_
      ABSL_GUARDED_BY(mu_);
};

PlanRegistry& Plans() {
  static auto* registry = new PlanRegistry();
  return *registry;
}

// ---------------------------------------------------------------------------

// Builds a JSON value from SAX events (for the values handed to the tree
// reader). Objects keep the last of duplicated keys, as nlohmann's parser.
class JsonBuilder {
 public:
  void Value(Json v) { Place(std::move(v)); }
  void StartObject() { open_.push_back(Place(Json::object())); }
  void StartArray() { open_.push_back(Place(Json::array())); }
  void Key(const std::string& key) { key_ = key; }
  // Closes the innermost container; true when the whole value is complete.
  bool End() {
    open_.pop_back();
    return open_.empty();
  }
  Json Take() {
    open_.clear();
    return std::move(root_);
  }

 private:
  Json* Place(Json v) {
    if (open_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Json& parent = *open_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    Json& slot = parent[key_];
    slot = std::move(v);
    return &slot;
  }

  Json root_;
  std::vector<Json*> open_;  // containers not yet closed, outermost first
  std::string key_;
};

// Where the next value goes.
enum class Target : std::uint8_t {
  kSkip,         // nowhere: an unknown property, or meta that is no object
  kField,        // the pending property of the message on top
  kElement,      // the next element of the repeated field on top
  kDeferred,     // a property read only if another is absent (aliases)
  kData,         // the envelope's `data`
  kDataElement,  // an element of `data` given as an array
  kMeta,         // the envelope's `meta`
  kRaw,          // the envelope's `rawData`
  kErrors,       // the envelope's `errors`: null, or the tree reader's
};

struct Slot {
  Target target = Target::kSkip;
  const FieldPlan* field = nullptr;
  int index = -1;  // kElement, kDataElement
};

// A property whose reading waits for the end of its object: it counts only
// when the property it stands in for is absent (see FindField in
// json_proto.cc).
struct Deferred {
  std::string key;
  Json value;
};

struct Frame {
  enum class Type : std::uint8_t { kEnvelope, kMessage, kArray, kDataArray };
  Type type = Type::kEnvelope;
  bool in_meta = false;  // inside the envelope's meta (else the record)

  // kMessage: the message and its path in warnings; kArray: the message
  // holding the repeated field.
  Message* message = nullptr;
  const MessagePlan* plan = nullptr;
  FieldPath path;
  bool meta_filter = false;      // meta: only `warnings` and `pagination` count
  std::bitset<kMaxFields> seen;  // fields whose property was present
  std::vector<Deferred> deferred;
  Slot pending;  // kMessage, kEnvelope: set by a key

  // kArray: the repeated field; kArray/kDataArray: the next index.
  const FieldPlan* field = nullptr;
  const FieldPath* parent_path = nullptr;
  int next_index = 0;

  // How this frame hangs off its parent (property or index), for ordering
  // warnings as the tree reader emits them.
  const std::string* key = nullptr;
  int index = -1;
};

struct PendingWarning {
  // JSON keys and indexes from the record (or meta) down to the value. The
  // tree reader visits object properties in key order (nlohmann's objects
  // are sorted maps) and array elements in order, so sorting by this path
  // reproduces its order.
  std::vector<std::pair<std::string, int>> order;
  v1::MappingWarning warning;
};

class StreamReader {
 public:
  StreamReader(Message& record, v1::ResponseMeta& meta,
               google::protobuf::Struct* raw_data,
               absl::string_view record_path, const MessagePlan* record_plan,
               const MessagePlan* meta_plan)
      : record_(record),
        meta_(meta),
        raw_data_(raw_data),
        record_path_(record_path),
        record_plan_(record_plan),
        meta_plan_(meta_plan) {
    frames_.reserve(kMaxFrames);
  }

  bool Run(absl::string_view body) {
    const bool parsed = Json::sax_parse(body.begin(), body.end(), this,
                                        Json::input_format_t::json,
                                        /*strict=*/true,
                                        /*ignore_comments=*/false);
    return parsed && !fallback_ && finished_;
  }

  // --- nlohmann SAX interface. Returning false stops the parse.
  bool null() {
    if (skip_depth_ > 0) return true;
    if (capturing_) return CaptureValue(Json(nullptr));
    if (frames_.empty()) return Fallback();
    const Slot s = TakeSlot();
    switch (s.target) {
      case Target::kData:
        return Fallback();
      case Target::kDataElement:
        return s.index == 0 ? Fallback() : true;
      case Target::kDeferred:  // kept to notice a duplicate; never read
        frames_.back().deferred.push_back(Deferred{deferred_key_, Json()});
        return true;
      default:
        return true;  // null means absent
    }
  }
  bool boolean(bool v) {
    return Scalar(v, [&](const Slot& s, Message& m, const Reflection& r) {
      if (s.field->kind != Kind::kBool) return false;
      const FieldDescriptor* f = s.field->field;
      Repeated(s) ? r.AddBool(&m, f, v) : r.SetBool(&m, f, v);
      return true;
    });
  }
  bool number_integer(std::int64_t v) { return Number(v); }
  bool number_unsigned(std::uint64_t v) { return Number(v); }
  bool number_float(double v, const std::string& /*text*/) { return Number(v); }
  bool string(std::string& v) {
    return Scalar(v, [&](const Slot& s, Message& m, const Reflection& r) {
      const FieldDescriptor* f = s.field->field;
      switch (s.field->kind) {
        case Kind::kString:
          Repeated(s) ? r.AddString(&m, f, v) : r.SetString(&m, f, v);
          return true;
        case Kind::kEnum: {
          const int number = EnumFromMaesn(*f->enum_type(), v);
          if (number < 0) return false;  // the tree reader warns
          Repeated(s) ? r.AddEnumValue(&m, f, number)
                      : r.SetEnumValue(&m, f, number);
          return true;
        }
        case Kind::kTimestamp: {
          const std::optional<absl::Time> t = ParseMaesnTime(v);
          // Unreadable or beyond what a Timestamp holds: the tree reader
          // warns.
          if (!t || !InTimestampRange(*t)) return false;
          Message* ts =
              Repeated(s) ? r.AddMessage(&m, f) : r.MutableMessage(&m, f);
          SetTimestamp(static_cast<google::protobuf::Timestamp&>(*ts), *t);
          return true;
        }
        default:
          return false;
      }
    });
  }
  bool binary(Json::binary_t& /*v*/) { return Fallback(); }  // not in JSON

  bool start_object(std::size_t /*elements*/) {
    if (++nesting_ > kMaxJsonNesting) return Fallback();  // the tree reader
    if (skip_depth_ > 0) {
      ++skip_depth_;
      return true;
    }
    if (capturing_) {
      ++capture_depth_;
      builder_.StartObject();
      return true;
    }
    if (frames_.empty()) {
      Push(Frame::Type::kEnvelope);
      return true;
    }
    const Slot s = TakeSlot();
    switch (s.target) {
      case Target::kSkip:
        return SkipContainer();
      case Target::kMeta:
        if (meta_plan_ == nullptr) return Fallback();
        return PushMessage(meta_, meta_plan_, FieldPath{nullptr, "meta"},
                           /*in_meta=*/true, nullptr, -1, /*filter=*/true);
      case Target::kData:
        return PushRecord(-1);
      case Target::kDataElement:
        return s.index == 0 ? PushRecord(0) : SkipContainer();
      case Target::kErrors:
        return Fallback();  // read by the tree reader (ReadMeta)
      case Target::kRaw:
      case Target::kDeferred:
        return StartCapture(s, /*object=*/true);
      case Target::kField:
      case Target::kElement:
        if (s.field->kind == Kind::kMessage) return PushSubMessage(s);
        return StartCapture(s, /*object=*/true);
    }
    return Fallback();
  }

  bool start_array(std::size_t /*elements*/) {
    if (++nesting_ > kMaxJsonNesting) return Fallback();  // refuses it
    if (skip_depth_ > 0) {
      ++skip_depth_;
      return true;
    }
    if (capturing_) {
      ++capture_depth_;
      builder_.StartArray();
      return true;
    }
    if (frames_.empty()) return Fallback();  // the body is no object
    const Slot s = TakeSlot();
    switch (s.target) {
      case Target::kSkip:
      case Target::kMeta:  // meta that is no object is ignored
        return SkipContainer();
      case Target::kData: {
        if (frames_.size() >= kMaxFrames) return Fallback();
        Frame& f = Push(Frame::Type::kDataArray);
        f.in_meta = false;
        data_array_ = true;
        return true;
      }
      case Target::kDataElement:
        return s.index == 0 ? Fallback() : SkipContainer();
      case Target::kErrors:
        return Fallback();
      case Target::kRaw:
      case Target::kDeferred:
      case Target::kElement:  // an array inside a repeated field
        return StartCapture(s, /*object=*/false);
      case Target::kField: {
        if (!s.field->field->is_repeated()) {
          return StartCapture(s, /*object=*/false);
        }
        if (frames_.size() >= kMaxFrames) return Fallback();
        Frame& owner = frames_.back();
        Message* message = owner.message;
        const FieldPath* path = &owner.path;
        const bool in_meta = owner.in_meta;
        Frame& f = Push(Frame::Type::kArray);
        f.in_meta = in_meta;
        f.message = message;
        f.field = s.field;
        f.parent_path = path;
        f.key = &s.field->field->camelcase_name();
        return true;
      }
    }
    return Fallback();
  }

  bool key(std::string& k) {
    if (skip_depth_ > 0) return true;
    if (capturing_) {
      builder_.Key(k);
      return true;
    }
    Frame& top = frames_.back();
    if (top.type == Frame::Type::kEnvelope) return EnvelopeKey(top, k);
    return MessageKey(top, k);
  }

  bool end_object() {
    --nesting_;
    if (skip_depth_ > 0) {
      --skip_depth_;
      return true;
    }
    if (capturing_) return EndCapture();
    Frame& top = frames_.back();
    if (top.type == Frame::Type::kEnvelope) {
      if (!Finish()) return false;
      frames_.pop_back();
      return true;
    }
    if (!ReadDeferred(top)) return false;
    frames_.pop_back();
    return true;
  }

  bool end_array() {
    --nesting_;
    if (skip_depth_ > 0) {
      --skip_depth_;
      return true;
    }
    if (capturing_) return EndCapture();
    Frame& top = frames_.back();
    if (top.type == Frame::Type::kDataArray) data_count_ = top.next_index;
    frames_.pop_back();
    return true;
  }

  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const Json::exception& /*error*/) {
    return Fallback();  // the tree reader reports it
  }

 private:
  static bool Repeated(const Slot& s) {
    return s.target == Target::kElement || s.field->field->is_repeated();
  }

  static void SetTimestamp(google::protobuf::Timestamp& ts, absl::Time t) {
    const std::int64_t seconds = absl::ToUnixSeconds(t);  // rounds down
    ts.set_seconds(seconds);
    ts.set_nanos(static_cast<std::int32_t>(
        absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
  }

  bool Fallback() {
    fallback_ = true;
    return false;
  }

  Frame& Push(Frame::Type type) {
    frames_.emplace_back();
    Frame& f = frames_.back();
    f.type = type;
    return f;
  }

  Slot TakeSlot() {
    Frame& top = frames_.back();
    switch (top.type) {
      case Frame::Type::kArray:
        return Slot{Target::kElement, top.field, top.next_index++};
      case Frame::Type::kDataArray:
        return Slot{Target::kDataElement, nullptr, top.next_index++};
      default: {
        const Slot s = top.pending;
        top.pending = Slot{};
        return s;
      }
    }
  }

  bool SkipContainer() {
    skip_depth_ = 1;
    return true;
  }

  bool PushMessage(Message& message, const MessagePlan* plan, FieldPath path,
                   bool in_meta, const std::string* key, int index,
                   bool filter) {
    if (frames_.size() >= kMaxFrames) return Fallback();
    Frame& f = Push(Frame::Type::kMessage);
    f.message = &message;
    f.plan = plan;
    f.path = path;
    f.in_meta = in_meta;
    f.meta_filter = filter;
    f.key = key;
    f.index = index;
    return true;
  }

  bool PushRecord(int index) {
    if (record_seen_) return Fallback();
    record_seen_ = true;
    return PushMessage(record_, record_plan_, FieldPath{nullptr, record_path_},
                       /*in_meta=*/false, nullptr, index, /*filter=*/false);
  }

  bool PushSubMessage(const Slot& s) {
    Frame& top = frames_.back();
    const FieldDescriptor* f = s.field->field;
    const Reflection* r = top.message->GetReflection();
    if (s.target == Target::kElement) {
      Message* sub = r->AddMessage(top.message, f);
      return PushMessage(*sub, s.field->message,
                         FieldPath{top.parent_path, f->name(), s.index},
                         top.in_meta, nullptr, s.index, false);
    }
    const std::string* key = &f->camelcase_name();
    if (f->is_repeated()) {  // one object where an array is expected
      Message* sub = r->AddMessage(top.message, f);
      return PushMessage(*sub, s.field->message,
                         FieldPath{&top.path, f->name(), 0}, top.in_meta, key,
                         0, false);
    }
    Message* sub = r->MutableMessage(top.message, f);
    return PushMessage(*sub, s.field->message, FieldPath{&top.path, f->name()},
                       top.in_meta, key, -1, false);
  }

  bool EnvelopeKey(Frame& envelope, const std::string& k) {
    bool* seen = nullptr;
    Slot s;
    if (k == "data") {
      seen = &data_key_seen_;
      s.target = Target::kData;
    } else if (k == "meta") {
      seen = &meta_key_seen_;
      s.target = Target::kMeta;
    } else if (k == "rawData") {
      seen = &raw_key_seen_;
      s.target = raw_data_ != nullptr ? Target::kRaw : Target::kSkip;
    } else if (k == "errors") {
      s.target = Target::kErrors;
    }
    if (seen != nullptr) {
      if (*seen) return Fallback();  // the tree reader keeps the last one
      *seen = true;
    }
    envelope.pending = s;
    return true;
  }

  bool MessageKey(Frame& frame, const std::string& k) {
    Slot s;
    if (frame.meta_filter && k != "warnings" && k != "pagination") {
      frame.pending = s;  // ReadMeta reads only these two
      return true;
    }
    if (const FieldPlan* fp = frame.plan->Find(k)) {
      const auto i = static_cast<std::size_t>(fp->field->index());
      if (frame.seen[i]) return Fallback();  // duplicated property
      frame.seen[i] = true;
      s.target = Target::kField;
      s.field = fp;
    } else if (!frame.meta_filter && MayStandIn(*frame.plan, k)) {
      for (const Deferred& d : frame.deferred) {
        if (d.key == k) return Fallback();  // duplicated property
      }
      deferred_key_ = k;
      s.target = Target::kDeferred;
    }
    frame.pending = s;
    return true;
  }

  // Whether `k` can name a field of `plan` through an alias or a capital
  // first letter (FindField in json_proto.cc).
  static bool MayStandIn(const MessagePlan& plan, absl::string_view k) {
    const absl::string_view canonical = AliasedProperty(*plan.descriptor, k);
    if (!canonical.empty() && plan.Find(canonical) != nullptr) return true;
    if (!k.empty() && absl::ascii_isupper(static_cast<unsigned char>(k[0]))) {
      std::string lower(k);
      lower[0] = absl::ascii_tolower(static_cast<unsigned char>(lower[0]));
      return plan.Find(lower) != nullptr;
    }
    return false;
  }

  // FindField for a deferred property, now that the object's properties
  // are all known.
  static const FieldPlan* ResolveDeferred(const Frame& frame,
                                          const std::string& k) {
    auto absent = [&](absl::string_view property) {
      const FieldPlan* fp = frame.plan->Find(property);
      return fp == nullptr ||
             !frame.seen[static_cast<std::size_t>(fp->field->index())];
    };
    const absl::string_view canonical =
        AliasedProperty(*frame.plan->descriptor, k);
    if (!canonical.empty() && absent(canonical)) {
      return frame.plan->Find(canonical);
    }
    if (!k.empty() && absl::ascii_isupper(static_cast<unsigned char>(k[0]))) {
      std::string lower = k;
      lower[0] = absl::ascii_tolower(static_cast<unsigned char>(lower[0]));
      if (absent(lower)) return frame.plan->Find(lower);
    }
    return nullptr;
  }

  bool ReadDeferred(Frame& frame) {
    if (frame.deferred.empty()) return true;
    std::bitset<kMaxFields> taken;
    for (Deferred& d : frame.deferred) {
      if (d.value.is_null()) continue;  // null means absent
      const FieldPlan* fp = ResolveDeferred(frame, d.key);
      if (fp == nullptr) continue;
      const auto i = static_cast<std::size_t>(fp->field->index());
      if (taken[i]) return Fallback();  // two stand-ins for one field
      taken[i] = true;
      // As ReadMessage reads the property under the field's own name.
      Json one = Json::object();
      one[fp->field->camelcase_name()] = std::move(d.value);
      v1::ResponseMeta scratch;
      Warnings w(&scratch);
      ReadMessage(one, *frame.message, frame.path, w);
      Collect(scratch, d.key, -1);
    }
    return true;
  }

  template <typename T>
  bool Number(T v) {
    return Scalar(v, [&](const Slot& s, Message& m, const Reflection& r) {
      const FieldDescriptor* f = s.field->field;
      // As AsDouble: the JSON number as a double.
      const auto d = static_cast<double>(v);
      switch (s.field->kind) {
        case Kind::kDouble:
          Repeated(s) ? r.AddDouble(&m, f, d) : r.SetDouble(&m, f, d);
          return true;
        case Kind::kFloat: {
          const auto x = static_cast<float>(d);
          Repeated(s) ? r.AddFloat(&m, f, x) : r.SetFloat(&m, f, x);
          return true;
        }
        default:
          return false;
      }
    });
  }

  // A scalar value: `fast(slot, message, reflection)` stores it when it has
  // the field's own type and returns true; anything else goes to the tree
  // reader's ReadFieldValue (which converts or warns).
  template <typename V, typename Fast>
  bool Scalar(V& v, Fast fast) {
    if (skip_depth_ > 0) return true;
    if (capturing_) return CaptureValue(Json(v));
    if (frames_.empty()) return Fallback();
    const Slot s = TakeSlot();
    switch (s.target) {
      case Target::kSkip:
      case Target::kMeta:
        return true;
      case Target::kData:
      case Target::kErrors:
        return Fallback();
      case Target::kDataElement:
        return s.index == 0 ? Fallback() : true;
      case Target::kRaw:
        raw_ = Json(v);
        return true;
      case Target::kDeferred:
        frames_.back().deferred.push_back(Deferred{deferred_key_, Json(v)});
        return true;
      case Target::kField:
      case Target::kElement: {
        Message& m = *frames_.back().message;
        if (fast(s, m, *m.GetReflection())) return true;
        return Delegate(s, Json(v));
      }
    }
    return Fallback();
  }

  // Reads `value` for slot `s` of the frame on top with the tree reader.
  bool Delegate(const Slot& s, Json value) {
    Frame& top = frames_.back();
    const FieldDescriptor* f = s.field->field;
    v1::ResponseMeta scratch;
    Warnings w(&scratch);
    if (s.target == Target::kElement) {
      ReadFieldValue(value, *top.message, *f, true,
                     FieldPath{top.parent_path, f->name(), s.index}, w);
      Collect(scratch, {}, s.index);
      return true;
    }
    if (value.is_object() || value.is_array()) {
      // As ReadMessage reads one property (arrays, tolerance, warnings).
      Json one = Json::object();
      one[f->camelcase_name()] = std::move(value);
      ReadMessage(one, *top.message, top.path, w);
    } else if (f->is_repeated()) {
      ReadFieldValue(value, *top.message, *f, true,
                     FieldPath{&top.path, f->name(), 0}, w);
    } else {
      ReadFieldValue(value, *top.message, *f, false,
                     FieldPath{&top.path, f->name()}, w);
    }
    Collect(scratch, f->camelcase_name(), -1);
    return true;
  }

  // Files the warnings of one value (its property `key` or array `index`
  // on the frame on top) for sorting at the end.
  void Collect(v1::ResponseMeta& scratch, const std::string& key, int index) {
    if (scratch.mapping_warnings().empty()) return;
    std::vector<std::pair<std::string, int>> order;
    for (const Frame& f : frames_) {
      if (f.key != nullptr) order.emplace_back(*f.key, -1);
      if (f.index >= 0) order.emplace_back(std::string(), f.index);
    }
    if (index >= 0) {
      order.emplace_back(std::string(), index);
    } else {
      order.emplace_back(key, -1);
    }
    auto& into = frames_.back().in_meta ? meta_warnings_ : record_warnings_;
    for (v1::MappingWarning& w : *scratch.mutable_mapping_warnings()) {
      into.push_back(PendingWarning{order, std::move(w)});
    }
  }

  bool StartCapture(const Slot& s, bool object) {
    capturing_ = true;
    capture_depth_ = 1;
    capture_slot_ = s;
    if (s.target == Target::kDeferred) capture_key_ = deferred_key_;
    object ? builder_.StartObject() : builder_.StartArray();
    return true;
  }

  bool CaptureValue(Json v) {
    builder_.Value(std::move(v));
    return true;
  }

  bool EndCapture() {
    builder_.End();
    if (--capture_depth_ > 0) return true;
    capturing_ = false;
    Json value = builder_.Take();
    switch (capture_slot_.target) {
      case Target::kRaw:
        raw_ = std::move(value);
        return true;
      case Target::kDeferred:
        frames_.back().deferred.push_back(
            Deferred{std::move(capture_key_), std::move(value)});
        return true;
      case Target::kField:
      case Target::kElement:
        return Delegate(capture_slot_, std::move(value));
      default:
        return Fallback();
    }
  }

  // At the end of the envelope: what ParseRecordResponseTree does after its
  // reading, in the same order.
  bool Finish() {
    if (!record_seen_) return Fallback();  // no usable `data`: an error
    auto sort = [](std::vector<PendingWarning>& list) {
      std::stable_sort(list.begin(), list.end(),
                       [](const PendingWarning& a, const PendingWarning& b) {
                         return a.order < b.order;
                       });
    };
    sort(meta_warnings_);
    sort(record_warnings_);
    for (PendingWarning& p : meta_warnings_) {
      *meta_.add_mapping_warnings() = std::move(p.warning);
    }
    if (data_array_ && data_count_ > 1) {
      Warnings w(&meta_);
      w.Add(FieldPath{nullptr, record_path_}, Json(data_count_),
            "Maesn returned several records for one id; the first is used");
    }
    for (PendingWarning& p : record_warnings_) {
      *meta_.add_mapping_warnings() = std::move(p.warning);
    }
    if (raw_data_ != nullptr && !raw_.is_null()) {
      google::protobuf::Value raw;
      JsonToValue(raw_, raw);
      if (raw.has_struct_value()) {
        *raw_data_ = std::move(*raw.mutable_struct_value());
      } else if (raw.kind_case() != google::protobuf::Value::KIND_NOT_SET) {
        (*raw_data_->mutable_fields())["value"] = std::move(raw);
      }
    }
    finished_ = true;
    return true;
  }

  Message& record_;
  v1::ResponseMeta& meta_;
  google::protobuf::Struct* raw_data_;
  const absl::string_view record_path_;
  const MessagePlan* record_plan_;
  const MessagePlan* meta_plan_;

  std::vector<Frame> frames_;  // never beyond kMaxFrames: stable addresses
  int nesting_ = 0;            // arrays and objects open
  int skip_depth_ = 0;         // > 0 while skipping a container
  bool capturing_ = false;     // building a JSON value for the tree reader
  int capture_depth_ = 0;
  Slot capture_slot_;
  std::string capture_key_;
  std::string deferred_key_;
  JsonBuilder builder_;

  bool data_key_seen_ = false, meta_key_seen_ = false, raw_key_seen_ = false;
  bool record_seen_ = false;
  bool data_array_ = false;
  int data_count_ = 0;
  Json raw_;
  std::vector<PendingWarning> meta_warnings_, record_warnings_;
  bool fallback_ = false;
  bool finished_ = false;
};

bool IsEmpty(const Message& m) { return m.ByteSizeLong() == 0; }

// Generated classes only: the reader writes Timestamps through their class.
bool IsGeneratedInstance(const Message& m) {
  return m.GetReflection()->GetMessageFactory() ==
         google::protobuf::MessageFactory::generated_factory();
}

}  // namespace

bool StreamRecordResponse(absl::string_view body, Message& record,
                          v1::ResponseMeta& meta,
                          google::protobuf::Struct* raw_data,
                          absl::string_view record_path) {
  if (!IsGeneratedInstance(record) || !IsEmpty(record) || !IsEmpty(meta) ||
      (raw_data != nullptr && !IsEmpty(*raw_data))) {
    return false;
  }
  const MessagePlan* record_plan = Plans().Get(record.GetDescriptor());
  const MessagePlan* meta_plan = Plans().Get(meta.GetDescriptor());
  if (record_plan == nullptr || meta_plan == nullptr) return false;
  StreamReader reader(record, meta, raw_data, record_path, record_plan,
                      meta_plan);
  if (reader.Run(body)) return true;
  record.Clear();
  meta.Clear();
  if (raw_data != nullptr) raw_data->Clear();
  return false;
}

}  // namespace maesn::gateway::mapping::internal
