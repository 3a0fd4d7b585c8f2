#ifndef MAESN_GATEWAY_MAESN_PAGE_TOKEN_H_
#define MAESN_GATEWAY_MAESN_PAGE_TOKEN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/common/v1.h"
#include "google/protobuf/message.h"
#include "maesn/accounting/v1/common.pb.h"

namespace maesn::gateway {

// AIP-158 pagination over Maesn's page numbers.
//
// A list request carries `page_size` (int32) and `page_token` (string). The
// token is opaque and URL-safe (unpadded base64url); it holds the Maesn
// page to fetch, the Maesn `limit` in use, and a digest of every other
// field of the request (and of the request type), so that it only works
// with the filters it was issued for. It holds no secret and no state
// lives in the gateway: any replica accepts any replica's token. All
// functions are pure and thread-safe.

// Maesn accepts only these `limit` values.
inline constexpr int kMaesnLimits[] = {5, 10, 20, 50, 100};

// The Maesn `limit` for an AIP-158 page_size: 0 means Maesn's default (0,
// `limit` not sent); other values are rounded up to the next allowed limit
// and capped at 100. Negative is INVALID_ARGUMENT naming `page_size`.
absl::StatusOr<int> MaesnLimitForPageSize(std::int64_t page_size);

// The Maesn page and limit one paged call asks for.
struct PagePosition {
  std::int64_t page = 1;  // counting from 1
  int limit = 0;          // 0 = `limit` not sent (Maesn's default)
  // False when `page` is Maesn's default and need not be sent (the first
  // page of a request whose own `page` field is 0).
  bool send_page = true;
};

// Where `request` (a message with `page_size` and `page_token` fields, and
// optionally an int32 `page` that jumps to a page) starts: the token's
// page, else the `page` field's, else page 1. INVALID_ARGUMENT (BadRequest
// naming `page_size`, `page_token` or `page`) for a negative page size or
// page, a page together with a token, a token that is not one of ours, one
// issued for different values of the other fields, or a page size that
// maps to another Maesn limit than the one the token was issued with (that
// would skip or repeat records).
absl::StatusOr<PagePosition> StartPosition(
    const google::protobuf::Message& request);

// The token that makes `request` continue at `next`.
std::string MakePageToken(const google::protobuf::Message& request,
                          const PagePosition& next);

// What a fetched page means for the caller: whether another page follows
// (from Maesn's meta.pagination) and the total number of records.
struct PageOutcome {
  std::string next_page_token;  // empty on the last page
  std::int32_t total_size = 0;  // meta.pagination.total; 0 when not sent
};

// Decides the outcome of the page fetched at `position` with `records`
// records and Maesn's `meta`. With pagination, there is a next page when
// it says so (currentPage < totalPages, or page * perPage < total) and
// this page was not empty. Without pagination, there is a next page when
// this one holds exactly the limit asked for (a full page may be followed
// by more; an empty or short page ends the list); more records than asked
// (the target ignores paging) or no limit sent (the page size is unknown)
// is taken as complete.
PageOutcome DecidePage(const google::protobuf::Message& request,
                       const PagePosition& position,
                       const v1::ResponseMeta& meta, int records);

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_MAESN_PAGE_TOKEN_H_
