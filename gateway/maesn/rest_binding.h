#ifndef MAESN_GATEWAY_MAESN_REST_BINDING_H_
#define MAESN_GATEWAY_MAESN_REST_BINDING_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/common/v1.h"
#include "gateway/maesn/page_token.h"
#include "google/protobuf/descriptor.h"
#include "maesn/accounting/v1/options.pb.h"

namespace maesn::gateway {

// How an rpc is served.
enum class RpcKind {
  kUnary,       // one Maesn request per call (reads retried, writes not)
  kPageStream,  // a server stream of every record of every page of a list
  kWatch,       // a server stream of every change of a Maesn task
  kWait,        // one answer once a Maesn task has ended
};

// "unary" or "server_stream": the gRPC type of an rpc kind.
absl::string_view GrpcType(RpcKind kind);

// One piece of a path template: a literal (e.g. "/lineItems") or a
// request field whose value becomes "/" and one percent-encoded segment.
struct PathPiece {
  std::string literal;
  const google::protobuf::FieldDescriptor* field = nullptr;
};

// A request field sent as a Maesn query parameter.
struct QueryParameter {
  const google::protobuf::FieldDescriptor* field = nullptr;
  std::string name;  // Maesn's name
};

// The REST binding of one rpc, read from its google.api.http and
// maesn.accounting.v1.operation annotations. Immutable after start-up.
struct RestBinding {
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string rpc;  // "/maesn.accounting.v1.InvoiceService/GetInvoice"
  RpcKind kind = RpcKind::kUnary;

  // kUnary: the Maesn request.
  std::string operation_id;
  std::string http_method;  // "GET", "POST", "PUT", "PATCH", "DELETE"
  std::vector<PathPiece> path;
  std::vector<QueryParameter> query;  // in the order they are sent
  // Request fields accepted but never sent (Maesn declares no such
  // parameter); still validated like query parameters.
  std::vector<const google::protobuf::FieldDescriptor*> not_sent;
  // The request field sent as the JSON body; null for none.
  const google::protobuf::FieldDescriptor* body = nullptr;
  // The body goes as multipart/form-data (MaesnOperation.multipart).
  bool multipart = false;
  // A FieldMask request field that restricts the body to the fields it
  // names (a PATCH); null for none.
  const google::protobuf::FieldDescriptor* update_mask = nullptr;
  // A FieldMask request field `empty_fields` naming repeated top-level
  // fields of the body to send as [] when they are empty (proto3 cannot
  // tell an empty list from an unset one); null for none.
  const google::protobuf::FieldDescriptor* empty_fields = nullptr;
  // The request has page_size and page_token, the response next_page_token
  // and total_size (a LIST, or a TASK whose response_data comes in pages):
  // Maesn's page and limit are sent first.
  bool paged = false;
  // With `paged`: those four fields (null otherwise).
  const google::protobuf::FieldDescriptor* page_size = nullptr;
  const google::protobuf::FieldDescriptor* page_token = nullptr;
  const google::protobuf::FieldDescriptor* next_page_token = nullptr;
  const google::protobuf::FieldDescriptor* total_size = nullptr;
  // With `paged`: the request's int32 `page` that jumps to a page (sent as
  // Maesn's page only when set); null when it has none.
  const google::protobuf::FieldDescriptor* page_number = nullptr;
  // The request's bool raw_data; null when the rpc has none.
  const google::protobuf::FieldDescriptor* raw_data_flag = nullptr;

  // kUnary: where Maesn's answer goes.
  v1::MaesnData data = v1::MAESN_DATA_UNSPECIFIED;
  const google::protobuf::FieldDescriptor* data_field = nullptr;
  const google::protobuf::FieldDescriptor* meta_field = nullptr;
  const google::protobuf::FieldDescriptor* raw_data_field = nullptr;
  // The response's string raw_data_json (rawData's exact text); may be null.
  const google::protobuf::FieldDescriptor* raw_data_json_field = nullptr;
  // The response's string task_id: set from Maesn's `data.taskId` when
  // Maesn processed the call asynchronously; null when the rpc has none.
  const google::protobuf::FieldDescriptor* task_id_field = nullptr;

  // kPageStream: the List rpc whose pages are streamed, and the stream
  // message's record field (same type as the list's data_field).
  const RestBinding* list = nullptr;
  const google::protobuf::FieldDescriptor* stream_record = nullptr;
  // The stream message's meta (first record of a page) and its int32
  // total_size (null when it has none).
  const google::protobuf::FieldDescriptor* stream_meta = nullptr;
  const google::protobuf::FieldDescriptor* stream_total_size = nullptr;
  // kWatch and kWait: the rpc that reads the task once.
  const RestBinding* poll = nullptr;

  // GET is idempotent and retried; every other verb is sent once.
  bool idempotent() const { return http_method == "GET"; }
};

// For a paged binding: sets `response`'s next_page_token and total_size for
// the page of `request` fetched at `position`, from its meta and its number
// of records (a LIST's records; a TASK's response_data entries: a list's
// length, 1 for any other value, 0 when absent). Does nothing otherwise.
void SetPageOutcome(const RestBinding& binding,
                    const google::protobuf::Message& request,
                    const PagePosition& position,
                    google::protobuf::Message& response);

// Every rpc of the gateway's Maesn-backed services and its binding.
// Thread-safe (immutable once built).
class BindingTable {
 public:
  // Reads the annotations of every rpc of every service in `services`.
  // Fails with INVALID_ARGUMENT naming the rpc when an annotation is
  // missing or inconsistent: a path variable that names no string field, a
  // body or query field that does not exist, a request field that is
  // neither in the path, the body, the query nor paging, an unknown data
  // shape, a missing operation id, a stream or follow rpc whose partner is
  // missing or does not match.
  static absl::StatusOr<std::unique_ptr<BindingTable>> Build(
      const std::vector<const google::protobuf::ServiceDescriptor*>& services);

  // The services of package maesn.accounting.v1 in the contract.
  static std::vector<const google::protobuf::ServiceDescriptor*>
  ContractServices();

  // The binding of `rpc` ("/pkg.Service/Method"), or null.
  const RestBinding* Find(absl::string_view rpc) const;
  const std::vector<std::unique_ptr<RestBinding>>& bindings() const {
    return bindings_;
  }
  const std::vector<const google::protobuf::ServiceDescriptor*>& services()
      const {
    return services_;
  }

 private:
  BindingTable() = default;

  std::vector<const google::protobuf::ServiceDescriptor*> services_;
  std::vector<std::unique_ptr<RestBinding>> bindings_;
  absl::flat_hash_map<std::string, const RestBinding*> by_rpc_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_MAESN_REST_BINDING_H_
