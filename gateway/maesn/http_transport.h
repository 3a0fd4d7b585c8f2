#ifndef MAESN_GATEWAY_MAESN_HTTP_TRANSPORT_H_
#define MAESN_GATEWAY_MAESN_HTTP_TRANSPORT_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/common/call_context.h"

namespace maesn::gateway {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// One HTTP request to Maesn. `target` is the already percent-encoded path
// and query (see path_builder.h); the transport sends it byte for byte.
struct HttpRequest {
  std::string method;  // "GET", "POST", "PUT", "PATCH", "DELETE"
  std::string target;  // e.g. "/v1/records/ABC123?companyId=1"
  HttpHeaders headers;
  std::string body;  // JSON, empty for GET/DELETE
};

// An HTTP response. Any status (including 4xx/5xx) is a *successful*
// transport call; the caller maps the status (http_status.h).
struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;

  // Case-insensitive header lookup; empty if absent.
  std::string Header(absl::string_view name) const;
};

// Sends requests to the configured Maesn base URL over HTTPS.
//
// Send() blocks the calling thread (it runs on the gateway's executor). It
// returns an error status only when no complete response arrived:
// UNAVAILABLE for connection/TLS failures, DEADLINE_EXCEEDED when the call's
// deadline or the read timeout passed, CANCELLED when the caller went away,
// RESOURCE_EXHAUSTED (reason UPSTREAM_RESPONSE_TOO_LARGE) over the size cap.
// Such errors carry ErrorInfo metadata `request_sent` = "true"/"false" when
// known, so that writes can report an unknown outcome. Implementations are
// thread-safe.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request,
                                            CallContext& context) = 0;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_MAESN_HTTP_TRANSPORT_H_
