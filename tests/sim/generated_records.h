// Deterministic generated invoices and bills, so that lists, pagination,
// filters and ordering have a few hundred realistic records to work on.
// The same count always gives the same records (no randomness, no clock).
#ifndef MAESN_TESTS_SIM_GENERATED_RECORDS_H_
#define MAESN_TESTS_SIM_GENERATED_RECORDS_H_

#include <vector>

#include "store.h"

namespace maesn::sim {

// Invoices "sim-inv-0001".. with 1-3 lines each, statuses and payment
// states spread over the spec's values, invoice dates through 2024 in an
// order unlike the ids, and totals computed from the lines.
std::vector<Record> GenerateInvoices(int count);

// Bills "sim-bill-0001".., shaped like the invoices above.
std::vector<Record> GenerateBills(int count);

}  // namespace maesn::sim

#endif  // MAESN_TESTS_SIM_GENERATED_RECORDS_H_
