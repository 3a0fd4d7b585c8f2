#include "gateway/mapping/async_answer.h"

#include <nlohmann/json.hpp>

namespace maesn::gateway::mapping {

std::optional<std::string> ReadTaskId(absl::string_view body) {
  const nlohmann::json j =
      nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto data = j.find("data");
  if (data == j.end()) return std::nullopt;
  const nlohmann::json* holder = &*data;
  if (holder->is_array() && !holder->empty()) holder = &(*holder)[0];
  if (!holder->is_object()) return std::nullopt;
  auto id = holder->find("taskId");
  if (id == holder->end() || !id->is_string()) return std::nullopt;
  const std::string& text = id->get_ref<const std::string&>();
  if (text.empty()) return std::nullopt;
  return text;
}

}  // namespace maesn::gateway::mapping
