#include "gateway/maesn/http_transport.h"

#include "absl/strings/match.h"

namespace maesn::gateway {

std::string HttpResponse::Header(absl::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return {};
}

}  // namespace maesn::gateway
