#include "gateway/mapping/json_stream_reader.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/mapping/envelope.h"
#include "gateway/mapping/envelope_internal.h"
#include "gateway/mapping/json_proto.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"
#include "maesn/accounting/v1/bill.pb.h"
#include "maesn/accounting/v1/invoice.pb.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/proto_matchers.h"
#include "tests/testing/status_matchers.h"

namespace maesn::gateway::mapping {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::maesn::testing::EqualsProto;
using ::maesn::testing::IsOk;
using ::maesn::testing::ReadTestdata;
using ::maesn::testing::ReadTextProto;

// One document read both ways.
template <typename Response>
struct Both {
  Response streamed;
  Response tree;
  bool took_stream = false;
  absl::Status stream_status;
  absl::Status tree_status;
};

template <typename Response, typename Record>
Both<Response> ReadBoth(const std::string& body, Record* (Response::*record)(),
                        bool raw) {
  Both<Response> out;
  // The path ParseRecordResponse takes, and what it gives.
  {
    Response probe;
    out.took_stream = internal::StreamRecordResponse(
        body, *(probe.*record)(), *probe.mutable_meta(),
        raw ? probe.mutable_raw_data() : nullptr, "record");
    if (!out.took_stream) {
      // A refused document leaves the messages empty.
      EXPECT_EQ((probe.*record)()->ByteSizeLong(), 0u) << body;
      EXPECT_EQ(probe.meta().ByteSizeLong(), 0u) << body;
      EXPECT_EQ(probe.raw_data().ByteSizeLong(), 0u) << body;
    }
  }
  out.stream_status = ParseRecordResponse(
      body, *(out.streamed.*record)(), *out.streamed.mutable_meta(),
      raw ? out.streamed.mutable_raw_data() : nullptr, "record");
  out.tree_status = internal::ParseRecordResponseTree(
      body, *(out.tree.*record)(), *out.tree.mutable_meta(),
      raw ? out.tree.mutable_raw_data() : nullptr, "record");
  return out;
}

template <typename Response>
void ExpectSame(const Both<Response>& both, const std::string& body) {
  EXPECT_EQ(both.stream_status, both.tree_status) << body;
  std::string diff;
  google::protobuf::util::MessageDifferencer d;
  d.ReportDifferencesToString(&diff);
  EXPECT_TRUE(d.Compare(both.tree, both.streamed)) << body << "\n" << diff;
}

TEST(StreamRecordResponseTest, GoldenInvoicesTakeTheStreamAndMatch) {
  for (const char* name : {"seed_get", "tolerant"}) {
    const std::string body =
        ReadTestdata(absl::StrCat("maesn/invoice/", name, ".json"));
    v1::GetInvoiceResponse got;
    ASSERT_TRUE(internal::StreamRecordResponse(
        body, *got.mutable_invoice(), *got.mutable_meta(), nullptr, "invoice"))
        << name;
    v1::GetInvoiceResponse want;
    ASSERT_TRUE(ReadTextProto(
        absl::StrCat("maesn/invoice/", name, ".textproto"), want));
    EXPECT_THAT(got, EqualsProto(want)) << name;
  }
}

TEST(StreamRecordResponseTest, BillAsOneElementArrayTakesTheStream) {
  const std::string body = ReadTestdata("maesn/bill/seed_get.json");
  v1::GetBillResponse got;
  ASSERT_TRUE(internal::StreamRecordResponse(
      body, *got.mutable_bill(), *got.mutable_meta(), nullptr, "bill"));
  v1::GetBillResponse want;
  ASSERT_TRUE(ReadTextProto("maesn/bill/seed_get.textproto", want));
  EXPECT_THAT(got, EqualsProto(want));
}

TEST(StreamRecordResponseTest, SimulatorSeedRecordsMatchTheTreeReader) {
  for (const char* file : {"invoices", "bills"}) {
    const nlohmann::json seed = nlohmann::json::parse(
        ReadTestdata(absl::StrCat("maesn/sim/", file, ".json")));
    for (const auto& record : seed["records"]) {
      auto get = [&](const char* key) {
        return record.contains(key) ? record[key] : nlohmann::json();
      };
      nlohmann::json envelope = {
          {"data", get("dataAsArray") == true
                       ? nlohmann::json::array({record["data"]})
                       : record["data"]},
          {"meta", get("meta")},
          {"rawData", get("rawData")}};
      const std::string body = envelope.dump();
      if (std::string(file) == "invoices") {
        auto both =
            ReadBoth(body, &v1::GetInvoiceResponse::mutable_invoice, true);
        EXPECT_TRUE(both.took_stream) << body;
        ExpectSame(both, body);
      } else {
        auto both = ReadBoth(body, &v1::GetBillResponse::mutable_bill, true);
        EXPECT_TRUE(both.took_stream) << body;
        ExpectSame(both, body);
      }
    }
  }
}

TEST(StreamRecordResponseTest, RefusesWhatOnlyTheTreeReaderDecides) {
  for (const char* body : {
           "",
           "not json",
           "[1]",
           "{}",
           R"({"data": null})",
           R"({"data": 1})",
           R"({"data": []})",
           R"({"data": [1]})",
           R"({"data": {"invoiceId": "a"}, "data": {"invoiceId": "b"}})",
           R"({"data": {"invoiceId": "a", "invoiceId": "b"}})",
           R"({"data": {"id": "a", "Id": "b", "InvoiceId": "c"}})",
           R"({"data": {"a": "\xff"}})",
           R"({"data": {}} trailing)",
       }) {
    auto both = ReadBoth(body, &v1::GetInvoiceResponse::mutable_invoice, false);
    EXPECT_FALSE(both.took_stream) << body;
    ExpectSame(both, body);
  }
}

TEST(StreamRecordResponseTest, LeavesNonEmptyMessagesToTheTreeReader) {
  v1::Invoice invoice;
  invoice.set_name("already there");
  v1::ResponseMeta meta;
  EXPECT_FALSE(internal::StreamRecordResponse(
      R"({"data": {"currency": "EUR"}})", invoice, meta, nullptr, "i"));
  EXPECT_EQ(invoice.name(), "already there");
  EXPECT_THAT(ParseRecordResponse(R"({"data": {"currency": "EUR"}})", invoice,
                                  meta, nullptr, "i"),
              IsOk());
  EXPECT_EQ(invoice.name(), "already there");
  EXPECT_EQ(invoice.currency(), "EUR");
}

// (An instant since calendar dates became google.type.Date, issue 13.)
TEST(StreamRecordResponseTest, DatesBeyond2262KeepTheirSeconds) {
  v1::GetInvoiceResponse got;
  ASSERT_THAT(ParseRecordResponse(
                  R"({"data": {"updatedDate": "9999-12-31T23:59:59.5Z"}})",
                  *got.mutable_invoice(), *got.mutable_meta(), nullptr, "i"),
              IsOk());
  EXPECT_EQ(got.invoice().updated_date().seconds(), 253402300799);
  EXPECT_EQ(got.invoice().updated_date().nanos(), 500000000);
}

TEST(StreamRecordResponseTest, CalendarDatesReadAsTheTreeReadsThem) {
  for (const char* body : {
           R"({"data": {"dueDate": "2024-03-01T00:00:00+01:00"}})",
           R"({"data": {"dueDate": "2024-03-01T23:00:00-05:00"}})",
           R"({"data": {"dueDate": "2024-03-01"}})",
       }) {
    auto both = ReadBoth(body, &v1::GetInvoiceResponse::mutable_invoice, false);
    ExpectSame(both, body);
    EXPECT_EQ(both.streamed.invoice().due_date().year(), 2024) << body;
    EXPECT_EQ(both.streamed.invoice().due_date().month(), 3) << body;
    EXPECT_EQ(both.streamed.invoice().due_date().day(), 1) << body;
  }
}

TEST(StreamRecordResponseTest, DatesBeyondTheTimestampRangeAreLeftToTheTree) {
  // Found by the mapping fuzzer: a five-digit year parses, but no Timestamp
  // holds it; the tree reader drops it with a mapping warning, and so must
  // the streaming reader.
  for (const char* body : {
           R"({"data": {"shippingDate": "20021-01-01T00:00:00Z"}})",
           R"({"data": {"dueDate": "0000-12-31T23:59:59Z"}})",
       }) {
    auto both = ReadBoth(body, &v1::GetInvoiceResponse::mutable_invoice, false);
    ExpectSame(both, body);
    EXPECT_FALSE(both.streamed.invoice().has_shipping_date()) << body;
    EXPECT_FALSE(both.streamed.invoice().has_due_date()) << body;
    EXPECT_EQ(both.streamed.meta().mapping_warnings_size(), 1) << body;
  }
}

TEST(StreamRecordResponseTest, DeepNestingIsRefusedNotACrash) {
  auto nested = [](int levels) {
    return std::string(levels, '[') + std::string(levels, ']');
  };
  // Within the limit: read (a warning for the string field).
  {
    const std::string body = R"({"data": {"currency": )" + nested(100) +
                             R"(, "x": )" + nested(120) + "}}";
    auto both = ReadBoth(body, &v1::GetInvoiceResponse::mutable_invoice, true);
    EXPECT_TRUE(both.took_stream);
    ExpectSame(both, body);
    EXPECT_THAT(both.stream_status, IsOk());
  }
  // Beyond it, anywhere in the body (deep enough to overflow the stack of a
  // recursive walk): unusable, never a crash.
  for (const std::string& body :
       {R"({"data": {"currency": )" + nested(100000) + "}}",
        R"({"data": {"invoiceId": "a"}, "rawData": )" + nested(100000) + "}",
        R"({"data": {"a": )" + nested(200) + "}}",
        R"({"meta": )" + nested(129) + R"(, "data": {}})"}) {
    auto both = ReadBoth(body, &v1::GetInvoiceResponse::mutable_invoice, true);
    EXPECT_FALSE(both.took_stream);
    EXPECT_THAT(both.stream_status,
                ::maesn::testing::StatusIs(absl::StatusCode::kInternal,
                                           ::testing::HasSubstr("nested")));
  }
}

// ---------------------------------------------------------------------------
// Random documents over the contract's record types: right and wrong types,
// nulls, aliases, capitalised and unknown properties, duplicates, arrays
// where objects belong and the other way round, properties in any order.

class DocumentGenerator {
 public:
  explicit DocumentGenerator(unsigned seed) : rng_(seed) {}

  std::string Envelope(const Descriptor& record) {
    std::vector<std::string> members;
    if (Chance(0.7)) members.push_back(Member("meta", Meta()));
    if (Chance(0.97)) {
      std::string data;
      if (Chance(0.85)) {
        data = Object(record, 0);
      } else if (Chance(0.8)) {
        std::vector<std::string> items;
        const int n = Pick(0, 3);
        for (int i = 0; i < n; ++i) {
          items.push_back(Chance(0.9) ? Object(record, 0) : Scalar());
        }
        data = "[" + absl::StrJoin(items, ",") + "]";
      } else {
        data = Scalar();
      }
      members.push_back(Member("data", data));
    }
    if (Chance(0.3)) members.push_back(Member("rawData", AnyJson(0)));
    if (Chance(0.2)) members.push_back(Member("errors", AnyJson(0)));
    if (Chance(0.02)) members.push_back(Member("data", Object(record, 0)));
    Shuffle(members);
    return "{" + absl::StrJoin(members, ",") + "}";
  }

 private:
  bool Chance(double p) {
    return std::uniform_real_distribution<double>(0, 1)(rng_) < p;
  }
  int Pick(int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng_);
  }
  template <typename T>
  void Shuffle(std::vector<T>& v) {
    std::shuffle(v.begin(), v.end(), rng_);
  }
  static std::string Quote(const std::string& s) {
    return nlohmann::json(s).dump();
  }
  static std::string Member(const std::string& key, const std::string& value) {
    return Quote(key) + ":" + value;
  }

  std::string Meta() {
    if (Chance(0.1)) return Scalar();
    std::vector<std::string> members;
    if (Chance(0.8)) {
      members.push_back(
          Member("warnings",
                 Chance(0.8) ? R"(["Field not used", "second"])" : AnyJson(1)));
    }
    if (Chance(0.6)) {
      members.push_back(Member(
          "pagination",
          Chance(0.7)
              ? R"({"total": 3, "perPage": 2, "currentPage": 1, "totalPages": "2"})"
              : AnyJson(1)));
    }
    if (Chance(0.2)) members.push_back(Member("mappingWarnings", AnyJson(1)));
    Shuffle(members);
    return "{" + absl::StrJoin(members, ",") + "}";
  }

  std::string Scalar() {
    switch (Pick(0, 7)) {
      case 0:
        return "null";
      case 1:
        return Chance(0.5) ? "true" : "false";
      case 2:
        return std::to_string(Pick(-5, 5000));
      case 3:
        return "1.5e2";
      case 4:
        return "-0.25";
      case 5:
        return Quote("text");
      case 6:
        return Quote(std::to_string(Pick(0, 99)) + ".75");
      default:
        return "18446744073709551615";
    }
  }

  std::string AnyJson(int depth) {
    if (depth > 2 || Chance(0.6)) return Scalar();
    std::vector<std::string> items;
    const int n = Pick(0, 3);
    const bool object = Chance(0.5);
    for (int i = 0; i < n; ++i) {
      items.push_back(
          object ? Member(absl::StrCat("k", Pick(0, 3)), AnyJson(depth + 1))
                 : AnyJson(depth + 1));
    }
    return object ? "{" + absl::StrJoin(items, ",") + "}"
                  : "[" + absl::StrJoin(items, ",") + "]";
  }

  std::string Date() {
    switch (Pick(0, 6)) {
      case 0:
        return Quote("2021-01-01T00:00:00Z");
      case 1:
        return Quote("2024-03-05");
      case 2:
        return Quote("2024-03-31T23:59:59.123+02:00");
      case 3:
        return Quote("2024-03-05 08:15:00");
      case 4:
        return Quote("yesterday");
      case 5:
        return R"({"seconds": 1})";
      default:
        return Scalar();
    }
  }

  std::string EnumValue(const FieldDescriptor& f) {
    const auto& e = *f.enum_type();
    const auto* v = e.value(Pick(0, e.value_count() - 1));
    std::string spelling = EnumToMaesn(e, v->number());
    switch (Pick(0, 4)) {
      case 0:
      case 1:
        return Quote(spelling);
      case 2:
        return Quote(absl::AsciiStrToLower(spelling));
      case 3:
        return Quote("NOT_A_VALUE");
      default:
        return Scalar();
    }
  }

  std::string Value(const FieldDescriptor& f, int depth) {
    if (Chance(0.1)) return AnyJson(depth);
    switch (f.cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        return Chance(0.8) ? Quote("v" + std::to_string(Pick(0, 9))) : Scalar();
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT:
        return Chance(0.7) ? std::to_string(Pick(0, 1000)) + ".5" : Scalar();
      case FieldDescriptor::CPPTYPE_BOOL:
        return Chance(0.7) ? "true" : Scalar();
      case FieldDescriptor::CPPTYPE_ENUM:
        return EnumValue(f);
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        const Descriptor* m = f.message_type();
        if (m == google::protobuf::Timestamp::descriptor()) return Date();
        if (m->file()->name() == "google/protobuf/struct.proto") {
          return AnyJson(depth);
        }
        if (depth > 3) return Scalar();
        if (Chance(0.1)) return "[" + Object(*m, depth + 1) + "]";
        return Chance(0.85) ? Object(*m, depth + 1) : Scalar();
      }
      default:
        return Scalar();
    }
  }

  std::string FieldJson(const FieldDescriptor& f, int depth) {
    if (!f.is_repeated() || Chance(0.15)) return Value(f, depth);
    std::vector<std::string> items;
    const int n = Pick(0, 4);
    for (int i = 0; i < n; ++i) {
      items.push_back(Chance(0.1) ? "null" : Value(f, depth));
    }
    return "[" + absl::StrJoin(items, ",") + "]";
  }

  std::string Object(const Descriptor& d, int depth) {
    std::vector<std::string> members;
    for (int i = 0; i < d.field_count(); ++i) {
      const FieldDescriptor& f = *d.field(i);
      if (!Chance(0.6)) continue;
      std::string key = f.camelcase_name();
      if (Chance(0.08)) {
        key[0] = absl::ascii_toupper(static_cast<unsigned char>(key[0]));
      }
      members.push_back(Member(key, FieldJson(f, depth)));
      if (Chance(0.003)) members.push_back(Member(key, FieldJson(f, depth)));
    }
    if (d.full_name() == "maesn.accounting.v1.Invoice") {
      if (Chance(0.3)) members.push_back(Member("id", Value(*d.field(0), 0)));
      if (Chance(0.3)) {
        members.push_back(
            Member("lineAmountType",
                   Value(*d.FindFieldByName("line_amount_types"), 0)));
      }
    }
    if (Chance(0.3)) members.push_back(Member("unknownProperty", AnyJson(1)));
    Shuffle(members);
    return "{" + absl::StrJoin(members, ",") + "}";
  }

  std::mt19937 rng_;
};

TEST(StreamRecordResponseTest, RandomDocumentsMatchTheTreeReader) {
  DocumentGenerator gen(8);
  int streamed = 0;
  constexpr int kDocuments = 3000;
  for (int i = 0; i < kDocuments; ++i) {
    const bool raw = i % 3 == 0;
    if (i % 2 == 0) {
      const std::string body = gen.Envelope(*v1::Invoice::descriptor());
      auto both = ReadBoth(body, &v1::GetInvoiceResponse::mutable_invoice, raw);
      streamed += both.took_stream;
      ExpectSame(both, body);
    } else {
      const std::string body = gen.Envelope(*v1::Bill::descriptor());
      auto both = ReadBoth(body, &v1::GetBillResponse::mutable_bill, raw);
      streamed += both.took_stream;
      ExpectSame(both, body);
    }
    if (HasFailure()) break;
  }
  // Most documents must exercise the streaming reader itself.
  EXPECT_GT(streamed, kDocuments * 6 / 10);
}

}  // namespace
}  // namespace maesn::gateway::mapping
