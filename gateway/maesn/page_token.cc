#include "gateway/maesn/page_token.h"

#include <openssl/evp.h>

#include <algorithm>
#include <limits>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/errors.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace maesn::gateway {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Token layout (18 bytes before base64url):
//   [0]      format version (1)
//   [1]      Maesn limit (0 = not sent)
//   [2..5]   Maesn page, big-endian uint32 (>= 2)
//   [6..17]  first 12 bytes of SHA-256(request type, other fields)
constexpr unsigned char kVersion = 1;
constexpr std::size_t kDigestBytes = 12;
constexpr std::size_t kTokenBytes = 6 + kDigestBytes;
// A token never asks for more (and never makes a longer token than this).
constexpr std::int64_t kMaxPage = std::numeric_limits<std::int32_t>::max();

// SHA-256 over the request type and the deterministic serialisation of the
// request without page_size, page_token and page.
std::string RequestDigest(const Message& request) {
  std::unique_ptr<Message> copy(request.New());
  copy->CopyFrom(request);
  const auto* d = copy->GetDescriptor();
  for (const char* name : {"page_size", "page_token", "page"}) {
    if (const FieldDescriptor* f = d->FindFieldByName(name)) {
      copy->GetReflection()->ClearField(copy.get(), f);
    }
  }
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.SetSerializationDeterministic(true);
    copy->SerializeToCodedStream(&out);
  }
  const std::string input = absl::StrCat(d->full_name(), "\n", bytes);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(md),
                     std::min<std::size_t>(len, kDigestBytes));
}

bool IsMaesnLimit(int limit) {
  if (limit == 0) return true;
  for (int l : kMaesnLimits) {
    if (l == limit) return true;
  }
  return false;
}

std::int64_t IntField(const Message& m, const char* name) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(name);
  if (f == nullptr) return 0;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return m.GetReflection()->GetInt32(m, f);
    case FieldDescriptor::CPPTYPE_INT64:
      return m.GetReflection()->GetInt64(m, f);
    default:
      return 0;
  }
}

std::string StringField(const Message& m, const char* name) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(name);
  if (f == nullptr || f->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
    return {};
  }
  return m.GetReflection()->GetString(m, f);
}

absl::Status BadToken(absl::string_view why) {
  return InvalidField("page_token", why);
}

}  // namespace

absl::StatusOr<int> MaesnLimitForPageSize(std::int64_t page_size) {
  if (page_size < 0) {
    return InvalidField("page_size", "must not be negative");
  }
  if (page_size == 0) return 0;
  for (int limit : kMaesnLimits) {
    if (page_size <= limit) return limit;
  }
  return kMaesnLimits[std::size(kMaesnLimits) - 1];
}

absl::StatusOr<PagePosition> StartPosition(const Message& request) {
  auto limit = MaesnLimitForPageSize(IntField(request, "page_size"));
  if (!limit.ok()) return limit.status();
  const std::string token = StringField(request, "page_token");
  const std::int64_t page_field = IntField(request, "page");
  if (page_field < 0) return InvalidField("page", "must not be negative");
  if (token.empty()) {
    if (page_field > 0) return PagePosition{page_field, *limit};
    const bool has_page_field =
        request.GetDescriptor()->FindFieldByName("page") != nullptr;
    return PagePosition{1, *limit, !has_page_field};
  }
  if (page_field > 0) {
    return InvalidField("page",
                        "must not be set together with page_token (the token "
                        "already names the page)");
  }

  std::string raw;
  if (token.size() > 64 || !absl::WebSafeBase64Unescape(token, &raw) ||
      raw.size() != kTokenBytes ||
      static_cast<unsigned char>(raw[0]) != kVersion) {
    return BadToken(
        "is not a page token of this method (pass next_page_token of the "
        "previous response unchanged)");
  }
  const auto b = [&raw](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(raw[i]));
  };
  const int token_limit = static_cast<int>(b(1));
  const std::int64_t page = (b(2) << 24) | (b(3) << 16) | (b(4) << 8) | b(5);
  if (!IsMaesnLimit(token_limit) || page < 2 || page > kMaxPage) {
    return BadToken("is not a page token of this method");
  }
  if (raw.substr(6) != RequestDigest(request)) {
    return BadToken(
        "was issued for a request with other values (filters, order, ids or "
        "scope must stay the same while paging; start again without a "
        "token)");
  }
  if (token_limit != *limit) {
    return InvalidField(
        "page_size",
        absl::StrCat("must stay the same while paging (this token was issued "
                     "for pages of ",
                     token_limit == 0 ? std::string("Maesn's default size")
                                      : absl::StrCat(token_limit),
                     ")"));
  }
  return PagePosition{page, token_limit};
}

std::string MakePageToken(const Message& request, const PagePosition& next) {
  const auto page = static_cast<std::uint32_t>(
      std::clamp<std::int64_t>(next.page, 0, kMaxPage));
  std::string raw;
  raw.reserve(kTokenBytes);
  raw.push_back(static_cast<char>(kVersion));
  raw.push_back(static_cast<char>(next.limit));
  for (int shift = 24; shift >= 0; shift -= 8) {
    raw.push_back(static_cast<char>((page >> shift) & 0xFF));
  }
  raw += RequestDigest(request);
  return absl::WebSafeBase64Escape(raw);
}

PageOutcome DecidePage(const Message& request, const PagePosition& position,
                       const v1::ResponseMeta& meta, int records) {
  PageOutcome out;
  if (!meta.has_pagination()) {
    // Nothing says whether more follows. A page holding exactly the limit
    // asked for may have a successor: ask for it rather than end the list
    // silently after a full page (an empty or short page then ends it).
    // More records than asked means the target ignores paging and sent
    // everything; with no limit sent, Maesn's page size is unknown.
    if (position.limit > 0 && records == position.limit &&
        position.page < kMaxPage) {
      out.next_page_token = MakePageToken(
          request, PagePosition{position.page + 1, position.limit});
    }
    return out;
  }
  const v1::Pagination& p = meta.pagination();
  if (p.has_total()) {
    out.total_size = static_cast<std::int32_t>(std::clamp<std::int64_t>(
        p.total(), 0, std::numeric_limits<std::int32_t>::max()));
  }
  if (records == 0 || position.page >= kMaxPage) return out;
  bool more = false;
  if (p.has_total_pages()) {
    more = position.page < p.total_pages();
  } else if (p.has_total() && p.has_per_page() && p.per_page() > 0 &&
             p.total() > 0) {
    const std::int64_t pages =
        p.total() / p.per_page() + (p.total() % p.per_page() != 0 ? 1 : 0);
    more = position.page < pages;
  }
  if (more) {
    out.next_page_token =
        MakePageToken(request, PagePosition{position.page + 1, position.limit});
  }
  return out;
}

}  // namespace maesn::gateway
