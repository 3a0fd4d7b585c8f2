// Invoices of a chosen size for the benchmarks: the same Maesn document for
// the mapping benchmark and for the simulator behind the gateway benchmark.
#ifndef MAESN_TESTS_BENCH_BENCH_DATA_H_
#define MAESN_TESTS_BENCH_BENCH_DATA_H_

#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"

namespace maesn::bench {

// Maesn's GET-invoice example (tests/testdata/maesn/invoice/seed_get.json,
// the docs' seed 003) with its one line item repeated `line_items` times
// (distinct ids and amounts). Returns the whole envelope {meta, data}, its
// properties in the order of the example.
absl::StatusOr<nlohmann::ordered_json> InvoiceEnvelope(int line_items);

// The id of the invoice InvoiceEnvelope(line_items) carries.
std::string InvoiceId(int line_items);

// The envelope as Maesn sends it on the wire (compact JSON).
absl::StatusOr<std::string> InvoiceBody(int line_items);

}  // namespace maesn::bench

#endif  // MAESN_TESTS_BENCH_BENCH_DATA_H_
