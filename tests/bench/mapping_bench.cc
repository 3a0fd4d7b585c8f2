// JSON -> proto for GetInvoice: the gateway's mapping (ParseRecordResponse on
// Maesn's JSON) against protobuf's JsonStringToMessage on the equivalent
// proto-JSON document and against a bare nlohmann::json::parse of Maesn's
// bytes, for an invoice with 1 and with 100 line items. Google Benchmark
// flags apply (--benchmark_min_time, --benchmark_repetitions, ...); after
// the runs a summary table gives the ratios and whether the targets are met.
//
//   build-release/tests/bench/mapping_bench --benchmark_repetitions=5
#include <benchmark/benchmark.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "bench_data.h"
#include "gateway/mapping/envelope.h"
#include "gateway/mapping/envelope_internal.h"
#include "gateway/mapping/time_format.h"
#include "maesn/accounting/v1/invoice.pb.h"

namespace maesn::bench {
namespace {

namespace v1 = ::maesn::accounting::v1;

constexpr int kSizes[] = {1, 100};

struct Document {
  std::string maesn_json;  // what Maesn sends
  std::string proto_json;  // the same invoice as proto3 JSON
  v1::GetInvoiceResponse expected;
};

std::map<int, Document>& Documents() {
  static auto* documents = new std::map<int, Document>();
  return *documents;
}

bool Map(const std::string& body, v1::GetInvoiceResponse& out) {
  return gateway::mapping::ParseRecordResponse(body, *out.mutable_invoice(),
                                               *out.mutable_meta(), nullptr,
                                               "invoice")
      .ok();
}

// Builds the documents and checks that all three contenders see the same
// invoice: our mapping and JsonStringToMessage must produce equal protos.
bool Prepare() {
  for (int lines : kSizes) {
    auto body = InvoiceBody(lines);
    if (!body.ok()) {
      std::fprintf(stderr, "%s\n", body.status().ToString().c_str());
      return false;
    }
    Document doc;
    doc.maesn_json = *std::move(body);
    if (!Map(doc.maesn_json, doc.expected) ||
        doc.expected.invoice().line_items_size() != lines ||
        doc.expected.meta().mapping_warnings_size() != 0) {
      std::fprintf(stderr, "mapping the %d-line invoice failed\n", lines);
      return false;
    }
    if (!google::protobuf::util::MessageToJsonString(doc.expected,
                                                     &doc.proto_json)
             .ok()) {
      return false;
    }
    v1::GetInvoiceResponse parsed;
    if (!google::protobuf::util::JsonStringToMessage(doc.proto_json, &parsed)
             .ok() ||
        !google::protobuf::util::MessageDifferencer::Equals(parsed,
                                                            doc.expected)) {
      std::fprintf(stderr, "proto JSON of the %d-line invoice differs\n",
                   lines);
      return false;
    }
    if (nlohmann::json::parse(doc.maesn_json, nullptr, false).is_discarded()) {
      return false;
    }
    Documents().emplace(lines, std::move(doc));
  }
  return true;
}

void BM_MaesnMapping(benchmark::State& state) {
  const Document& doc = Documents().at(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    v1::GetInvoiceResponse response;
    if (!Map(doc.maesn_json, response)) state.SkipWithError("mapping failed");
    benchmark::DoNotOptimize(response);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(doc.maesn_json.size()));
}

void BM_JsonStringToMessage(benchmark::State& state) {
  const Document& doc = Documents().at(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    v1::GetInvoiceResponse response;
    if (!google::protobuf::util::JsonStringToMessage(doc.proto_json, &response)
             .ok()) {
      state.SkipWithError("JsonStringToMessage failed");
    }
    benchmark::DoNotOptimize(response);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(doc.proto_json.size()));
}

void BM_NlohmannParse(benchmark::State& state) {
  const Document& doc = Documents().at(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    nlohmann::json json = nlohmann::json::parse(doc.maesn_json);
    benchmark::DoNotOptimize(json);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(doc.maesn_json.size()));
}

// For reference: the tree reader, i.e. parse into an nlohmann tree and walk
// it (what ParseRecordResponse did before the streaming reader, and still
// does for the documents the streaming reader leaves to it).
void BM_TreeReader(benchmark::State& state) {
  const Document& doc = Documents().at(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    v1::GetInvoiceResponse response;
    if (!gateway::mapping::internal::ParseRecordResponseTree(
             doc.maesn_json, *response.mutable_invoice(),
             *response.mutable_meta(), nullptr, "invoice")
             .ok()) {
      state.SkipWithError("mapping failed");
    }
    benchmark::DoNotOptimize(response);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(doc.maesn_json.size()));
}

// One date as the mapping reads it, and as absl::ParseTime reads it with
// the first layout ParseMaesnTime used to try (what it cost before).
void BM_ParseMaesnTime(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        gateway::mapping::ParseMaesnTime("2024-03-31T23:59:59.123+02:00"));
  }
}

void BM_AbslParseTime(benchmark::State& state) {
  for (auto _ : state) {
    absl::Time t;
    std::string err;
    benchmark::DoNotOptimize(absl::ParseTime("%Y-%m-%dT%H:%M:%E*S%Ez",
                                             "2024-03-31T23:59:59.123+02:00",
                                             absl::UTCTimeZone(), &t, &err));
  }
}

BENCHMARK(BM_MaesnMapping)->Arg(1)->Arg(100);
BENCHMARK(BM_TreeReader)->Arg(1)->Arg(100);
BENCHMARK(BM_ParseMaesnTime);
BENCHMARK(BM_AbslParseTime);
BENCHMARK(BM_JsonStringToMessage)->Arg(1)->Arg(100);
BENCHMARK(BM_NlohmannParse)->Arg(1)->Arg(100);

// Prints as the console reporter does and remembers each benchmark's
// CPU time per iteration (the median when repetitions are asked for): CPU
// time, not wall time, so that other load on the machine does not count.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) {
        errors_ = true;
        continue;
      }
      const bool median =
          run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      if (run.run_type == Run::RT_Aggregate && !median) continue;
      const std::string key =
          run.run_name.function_name + "/" + run.run_name.args;
      if (median || !has_median_[key]) {
        nanos_[key] = run.GetAdjustedCPUTime() *
                      benchmark::GetTimeUnitMultiplier(benchmark::kNanosecond) /
                      benchmark::GetTimeUnitMultiplier(run.time_unit);
      }
      if (median) has_median_[key] = true;
    }
  }

  // The summary table; false when a figure is missing or a run failed.
  bool PrintSummary() const {
    std::printf(
        "\nmapping summary (CPU time per document)\n"
        "| line items | Maesn JSON bytes | gateway mapping µs | "
        "JsonStringToMessage µs | speed-up (target >= 1.5x) | "
        "nlohmann::json::parse µs | mapping / parse (target <= 1.3x) | "
        "tree reader µs (before) |\n"
        "|---|---|---|---|---|---|---|---|\n");
    bool complete = !errors_;
    for (int lines : kSizes) {
      const std::string arg = std::to_string(lines);
      auto get = [&](const char* name) {
        auto it = nanos_.find(std::string(name) + "/" + arg);
        return it == nanos_.end() ? -1.0 : it->second / 1000.0;
      };
      const double ours = get("BM_MaesnMapping");
      const double protobuf = get("BM_JsonStringToMessage");
      const double parse = get("BM_NlohmannParse");
      if (ours <= 0 || protobuf <= 0 || parse <= 0) {
        complete = false;
        continue;
      }
      const double speedup = protobuf / ours;
      const double ratio = ours / parse;
      std::printf(
          "| %d | %zu | %.2f | %.2f | %.2fx %s | %.2f | %.2fx %s | %.2f |\n",
          lines, Documents().at(lines).maesn_json.size(), ours, protobuf,
          speedup, speedup >= 1.5 ? "met" : "MISSED", parse, ratio,
          ratio <= 1.3 ? "met" : "MISSED", get("BM_TreeReader"));
    }
    const double fast = nanos_.count("BM_ParseMaesnTime/")
                            ? nanos_.at("BM_ParseMaesnTime/")
                            : -1;
    const double absl =
        nanos_.count("BM_AbslParseTime/") ? nanos_.at("BM_AbslParseTime/") : -1;
    std::printf(
        "\none date \"2024-03-31T23:59:59.123+02:00\": ParseMaesnTime %.0f ns, "
        "absl::ParseTime (one layout) %.0f ns\n",
        fast, absl);
    return complete;
  }

 private:
  bool errors_ = false;
  std::map<std::string, double> nanos_;
  std::map<std::string, bool> has_median_;
};

}  // namespace
}  // namespace maesn::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (!maesn::bench::Prepare()) return 1;
  maesn::bench::SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return reporter.PrintSummary() ? 0 : 1;
}
