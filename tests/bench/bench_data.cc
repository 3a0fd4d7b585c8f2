#include "bench_data.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#ifndef MAESN_TESTDATA_DIR
#error "MAESN_TESTDATA_DIR must name tests/testdata"
#endif

namespace maesn::bench {

using Json = nlohmann::ordered_json;

std::string InvoiceId(int line_items) {
  return absl::StrCat("BENCH-", line_items, "-LINES");
}

absl::StatusOr<Json> InvoiceEnvelope(int line_items) {
  if (line_items < 1) {
    return absl::InvalidArgumentError("line_items must be at least 1");
  }
  const std::string path =
      absl::StrCat(MAESN_TESTDATA_DIR, "/maesn/invoice/seed_get.json");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  Json seed = Json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!in || seed.is_discarded() || !seed.contains("data") ||
      !seed["data"].contains("lineItems") ||
      !seed["data"]["lineItems"].is_array() ||
      seed["data"]["lineItems"].empty()) {
    return absl::NotFoundError(absl::StrCat("cannot read the seed ", path));
  }
  Json& data = seed["data"];
  data["invoiceId"] = InvoiceId(line_items);
  const Json line = data["lineItems"][0];
  Json lines = Json::array();
  double net = 0;
  for (int i = 0; i < line_items; ++i) {
    Json l = line;
    const double quantity = 1 + i % 7;
    const double unit = 100 + i * 0.25;
    l["lineItemId"] = std::to_string(i + 1);
    l["name"] = absl::StrCat("Line item ", i + 1);
    l["quantity"] = quantity;
    l["unitAmount"] = unit;
    l["itemsAmount"] = quantity * unit;
    l["grossAmount"] = quantity * unit * 1.19;
    net += quantity * unit;
    lines.push_back(std::move(l));
  }
  data["lineItems"] = std::move(lines);
  if (line_items > 1) {
    data["sumNetAmount"] = net;
    data["totalTaxAmount"] = net * 0.19;
    data["totalAmount"] = net * 1.19;
  }
  return seed;
}

absl::StatusOr<std::string> InvoiceBody(int line_items) {
  auto envelope = InvoiceEnvelope(line_items);
  if (!envelope.ok()) return envelope.status();
  return envelope->dump();
}

}  // namespace maesn::bench
