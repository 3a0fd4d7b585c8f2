#include "epoll_upstream.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>
#include <functional>
#include <queue>
#include <random>
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace maesn::bench {
namespace {

// epoll user data of the descriptors that are not connections; connection
// ids start above them.
constexpr std::uint64_t kListenId = 1;
constexpr std::uint64_t kTimerId = 2;
constexpr std::uint64_t kWakeId = 3;
constexpr std::uint64_t kFirstConnectionId = 16;

constexpr std::size_t kMaxHeadBytes = 64 * 1024;
constexpr std::size_t kMaxBodyBytes = 16 * 1024 * 1024;
constexpr int kWriteChunk = 16 * 1024;
constexpr std::size_t kReadChunk = 16 * 1024;

// CLOCK_MONOTONIC in nanoseconds (what the timerfd runs on).
std::int64_t MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::string OpenSslError(absl::string_view what) {
  const unsigned long code = ERR_get_error();
  char buf[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, buf, sizeof(buf));
  ERR_clear_error();
  return absl::StrCat(what, ": ", buf);
}

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 302:
      return "Found";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

std::string Serialize(const UpstreamResponse& response, bool close) {
  std::string out = absl::StrFormat("HTTP/1.1 %d %s\r\nContent-Length: %d\r\n",
                                    response.status, Reason(response.status),
                                    response.body.size());
  if (!response.content_type.empty()) {
    absl::StrAppend(&out, "Content-Type: ", response.content_type, "\r\n");
  }
  for (const auto& [name, value] : response.headers) {
    absl::StrAppend(&out, name, ": ", value, "\r\n");
  }
  if (close) out += "Connection: close\r\n";
  out += "\r\n";
  out += response.body;
  return out;
}

std::string ErrorBody(int status, absl::string_view message) {
  return absl::StrFormat(R"({"statusCode":%d,"message":"%s","error":"%s"})",
                         status, message, Reason(status));
}

UpstreamResponse Answer(int status, std::string body) {
  UpstreamResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

std::optional<std::string> UpstreamRequest::Header(
    const std::string& lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return std::nullopt;
}

struct EpollUpstream::Impl {
  // An answer waiting for its time, in request order on its connection.
  struct Pending {
    bool ready = false;
    bool close_after = false;
    std::string bytes;
  };
  struct Connection {
    std::uint64_t id = 0;
    int fd = -1;
    SSL* ssl = nullptr;
    bool handshake_done = false;
    bool writable_wanted = false;  // EPOLLOUT registered
    bool closing = false;          // close once `out` is sent
    bool stop_reading = false;     // a request asked to close
    std::string in;
    std::string out;
    std::size_t out_sent = 0;
    std::deque<Pending> pending;
    std::uint64_t first_seq = 0;  // sequence number of pending.front()
    std::uint64_t next_seq = 0;
  };
  struct Timer {
    std::int64_t due_ns;
    std::uint64_t connection;
    std::uint64_t seq;
    bool operator>(const Timer& other) const { return due_ns > other.due_ns; }
  };

  explicit Impl(EpollUpstream* upstream) : owner(upstream) {}
  ~Impl() {
    CloseAll();
    for (int fd : {listen_fd, epoll_fd, timer_fd, wake_fd}) {
      if (fd >= 0) close(fd);
    }
    SSL_CTX_free(ctx);
  }

  absl::Status Bind(const EpollUpstreamOptions& options, int* port);
  void Run();
  void Accept();
  void OnTimer();
  void Drive(Connection& c);
  // Parses the complete requests in `c.in`; false on a malformed one.
  bool ParseRequests(Connection& c);
  void Queue(Connection& c, const UpstreamResponse& response, bool close);
  void Flush(Connection& c);
  void WantWritable(Connection& c, bool on);
  void Close(Connection& c);
  void CloseAll();
  void ArmTimer();
  // The answer to `request`: the handler's, or an injected fault.
  UpstreamResponse Respond(const UpstreamRequest& request);

  EpollUpstream* const owner;
  UpstreamHandler handler;
  UpstreamFaultPlan faults;
  std::mt19937_64 rng;
  std::int64_t latency_ns = 0;
  SSL_CTX* ctx = nullptr;
  int listen_fd = -1;
  int epoll_fd = -1;
  int timer_fd = -1;
  int wake_fd = -1;
  std::int64_t armed_ns = 0;  // the timerfd's expiry, 0 when disarmed
  std::uint64_t next_id = kFirstConnectionId;
  std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> connections;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers;
};

absl::Status EpollUpstream::Impl::Bind(const EpollUpstreamOptions& options,
                                       int* port) {
  handler = options.handler;
  faults = options.faults;
  rng.seed(faults.seed);
  if (faults.rate < 0 || faults.rate > 1) {
    return absl::InvalidArgumentError("the fault rate must be from 0 to 1");
  }
  latency_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(options.latency)
          .count();
  if (!handler) return absl::InvalidArgumentError("no handler");
  ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return absl::InternalError(OpenSslError("SSL_CTX_new"));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_use_certificate_chain_file(ctx, options.cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, options.key_file.c_str(),
                                  SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    return absl::InvalidArgumentError(OpenSslError("certificate or key"));
  }

  listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd < 0) return absl::InternalError("socket");
  const int one = 1;
  setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(options.port));
  if (inet_pton(AF_INET, options.host.c_str(), &addr.sin_addr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an IPv4 address: ", options.host));
  }
  if (bind(listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listen_fd, SOMAXCONN) != 0) {
    return absl::InternalError(
        absl::StrCat("bind/listen: ", std::strerror(errno)));
  }
  socklen_t len = sizeof(addr);
  getsockname(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);

  epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd < 0 || timer_fd < 0 || wake_fd < 0) {
    return absl::InternalError("epoll/timerfd/eventfd");
  }
  for (auto [fd, id] :
       {std::pair{listen_fd, kListenId}, std::pair{timer_fd, kTimerId},
        std::pair{wake_fd, kWakeId}}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = id;
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      return absl::InternalError("epoll_ctl");
    }
  }
  return absl::OkStatus();
}

void EpollUpstream::Impl::Run() {
  std::vector<epoll_event> events(256);
  for (;;) {
    const int n = epoll_wait(epoll_fd, events.data(),
                             static_cast<int>(events.size()), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; ++i) {
      const epoll_event& ev = events[static_cast<std::size_t>(i)];
      switch (ev.data.u64) {
        case kListenId:
          Accept();
          break;
        case kTimerId:
          OnTimer();
          break;
        case kWakeId:
          CloseAll();
          return;
        default: {
          auto it = connections.find(ev.data.u64);
          if (it == connections.end()) break;  // closed earlier in the batch
          Connection& c = *it->second;
          if ((ev.events & (EPOLLERR | EPOLLHUP)) != 0 &&
              (ev.events & EPOLLIN) == 0) {
            Close(c);
          } else {
            Drive(c);
          }
        }
      }
    }
  }
}

void EpollUpstream::Impl::Accept() {
  for (;;) {
    const int fd =
        accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
      return;  // EAGAIN, or out of descriptors: retried on the
               // next readiness of the listening socket
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto c = std::make_unique<Connection>();
    c->id = next_id++;
    c->fd = fd;
    c->ssl = SSL_new(ctx);
    if (c->ssl == nullptr || SSL_set_fd(c->ssl, fd) != 1) {
      SSL_free(c->ssl);
      close(fd);
      ERR_clear_error();
      continue;
    }
    SSL_set_accept_state(c->ssl);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = c->id;
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      SSL_free(c->ssl);
      close(fd);
      continue;
    }
    owner->accepted_.fetch_add(1);
    owner->open_.fetch_add(1);
    Connection& ref = *c;
    connections.emplace(c->id, std::move(c));
    Drive(ref);  // the ClientHello may be here already
  }
}

void EpollUpstream::Impl::OnTimer() {
  std::uint64_t expirations = 0;
  while (read(timer_fd, &expirations, sizeof(expirations)) > 0) {
  }
  armed_ns = 0;
  const std::int64_t now = MonotonicNs();
  while (!timers.empty() && timers.top().due_ns <= now) {
    const Timer t = timers.top();
    timers.pop();
    auto it = connections.find(t.connection);
    if (it == connections.end()) continue;
    Connection& c = *it->second;
    if (t.seq < c.first_seq) continue;
    const std::uint64_t index = t.seq - c.first_seq;
    if (index >= c.pending.size()) continue;
    c.pending[index].ready = true;
    Flush(c);
  }
  ArmTimer();
}

void EpollUpstream::Impl::ArmTimer() {
  if (timers.empty()) return;  // a disarmed or stale expiry only wakes once
  const std::int64_t due = timers.top().due_ns;
  if (armed_ns != 0 && armed_ns <= due) return;
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(due / 1000000000);
  spec.it_value.tv_nsec = static_cast<long>(due % 1000000000);
  timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &spec, nullptr);
  armed_ns = due;
}

void EpollUpstream::Impl::Drive(Connection& c) {
  if (!c.handshake_done) {
    ERR_clear_error();
    const int r = SSL_accept(c.ssl);
    if (r != 1) {
      const int e = SSL_get_error(c.ssl, r);
      if (e == SSL_ERROR_WANT_READ) {
        WantWritable(c, false);
      } else if (e == SSL_ERROR_WANT_WRITE) {
        WantWritable(c, true);
      } else {
        Close(c);
      }
      return;
    }
    c.handshake_done = true;
  }
  if (!c.stop_reading) {
    char buf[kReadChunk];
    for (;;) {
      ERR_clear_error();
      const int n = SSL_read(c.ssl, buf, static_cast<int>(sizeof(buf)));
      if (n > 0) {
        c.in.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      const int e = SSL_get_error(c.ssl, n);
      if (e == SSL_ERROR_WANT_READ) break;
      if (e == SSL_ERROR_WANT_WRITE) {
        WantWritable(c, true);
        break;
      }
      Close(c);  // the peer closed, or a TLS error
      return;
    }
    if (!ParseRequests(c)) {
      Queue(c, Answer(400, ErrorBody(400, "Malformed request")),
            /*close=*/true);
      c.pending.back().ready = true;
    }
  }
  Flush(c);
}

bool EpollUpstream::Impl::ParseRequests(Connection& c) {
  std::size_t pos = 0;
  bool ok = true;
  while (!c.stop_reading) {
    const std::size_t head_end = c.in.find("\r\n\r\n", pos);
    if (head_end == std::string::npos) {
      if (c.in.size() - pos > kMaxHeadBytes) ok = false;
      break;
    }
    const absl::string_view head(c.in.data() + pos, head_end - pos);
    UpstreamRequest request;
    std::size_t line_end = head.find("\r\n");
    const absl::string_view line = head.substr(0, line_end);
    const std::size_t sp1 = line.find(' ');
    const std::size_t sp2 = line.rfind(' ');
    if (sp1 == absl::string_view::npos || sp2 <= sp1) {
      ok = false;
      break;
    }
    request.method = std::string(line.substr(0, sp1));
    request.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
    const absl::string_view version = line.substr(sp2 + 1);
    bool close = version == "HTTP/1.0";
    std::size_t content_length = 0;
    while (line_end != absl::string_view::npos) {
      const std::size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const absl::string_view field = head.substr(
          start, line_end == absl::string_view::npos ? absl::string_view::npos
                                                     : line_end - start);
      const std::size_t colon = field.find(':');
      if (colon == absl::string_view::npos) {
        ok = false;
        break;
      }
      std::string name = absl::AsciiStrToLower(field.substr(0, colon));
      std::string value(absl::StripAsciiWhitespace(field.substr(colon + 1)));
      if (name == "content-length") {
        if (!absl::SimpleAtoi(value, &content_length) ||
            content_length > kMaxBodyBytes) {
          ok = false;
        }
      } else if (name == "transfer-encoding") {
        ok = false;  // the benchmarks send no chunked bodies
      } else if (name == "connection") {
        if (absl::EqualsIgnoreCase(value, "close")) close = true;
        if (absl::EqualsIgnoreCase(value, "keep-alive")) close = false;
      }
      request.headers.emplace_back(std::move(name), std::move(value));
    }
    if (!ok) break;
    const std::size_t body_start = head_end + 4;
    if (c.in.size() - body_start < content_length) break;  // body pending
    request.body = c.in.substr(body_start, content_length);
    pos = body_start + content_length;

    owner->requests_.fetch_add(1);
    Queue(c, Respond(request), close);
    if (close) c.stop_reading = true;
  }
  c.in.erase(0, pos);
  if (!ok) c.stop_reading = true;
  return ok;
}

UpstreamResponse EpollUpstream::Impl::Respond(const UpstreamRequest& request) {
  if (faults.rate <= 0 || faults.pool.empty() ||
      std::uniform_real_distribution<double>(0, 1)(rng) >= faults.rate) {
    return handler(request);
  }
  const UpstreamFault& fault =
      faults.pool[std::uniform_int_distribution<std::size_t>(
          0, faults.pool.size() - 1)(rng)];
  owner->faults_.fetch_add(1);
  {
    std::lock_guard<std::mutex> lock(owner->faults_mu_);
    ++owner->faults_by_kind_[fault.kind];
  }
  UpstreamResponse response =
      fault.response.has_value() ? *fault.response : handler(request);
  response.extra_delay = std::max(response.extra_delay, fault.delay);
  return response;
}

void EpollUpstream::Impl::Queue(Connection& c, const UpstreamResponse& response,
                                bool close) {
  const std::int64_t hold_ns =
      latency_ns +
      std::chrono::duration_cast<std::chrono::nanoseconds>(response.extra_delay)
          .count();
  Pending p;
  p.close_after = close;
  p.bytes = Serialize(response, close);
  p.ready = hold_ns <= 0;
  const std::uint64_t seq = c.next_seq++;
  c.pending.push_back(std::move(p));
  if (hold_ns > 0) {
    timers.push({MonotonicNs() + hold_ns, c.id, seq});
    ArmTimer();
  }
}

void EpollUpstream::Impl::Flush(Connection& c) {
  while (!c.pending.empty() && c.pending.front().ready && !c.closing) {
    c.out += c.pending.front().bytes;
    if (c.pending.front().close_after) c.closing = true;
    c.pending.pop_front();
    ++c.first_seq;
  }
  while (c.out_sent < c.out.size()) {
    ERR_clear_error();
    const int len = static_cast<int>(
        std::min<std::size_t>(c.out.size() - c.out_sent, kWriteChunk));
    const int n = SSL_write(c.ssl, c.out.data() + c.out_sent, len);
    if (n > 0) {
      c.out_sent += static_cast<std::size_t>(n);
      continue;
    }
    const int e = SSL_get_error(c.ssl, n);
    if (e == SSL_ERROR_WANT_WRITE) {
      WantWritable(c, true);
      return;
    }
    if (e == SSL_ERROR_WANT_READ) return;  // read events are always on
    Close(c);
    return;
  }
  c.out.clear();
  c.out_sent = 0;
  if (c.closing) {
    Close(c);
    return;
  }
  WantWritable(c, false);
}

void EpollUpstream::Impl::WantWritable(Connection& c, bool on) {
  if (c.writable_wanted == on) return;
  epoll_event ev{};
  ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
  ev.data.u64 = c.id;
  epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
  c.writable_wanted = on;
}

void EpollUpstream::Impl::Close(Connection& c) {
  // Counted first: a peer that sees the close may read the count at once.
  owner->open_.fetch_sub(1);
  epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
  SSL_free(c.ssl);
  close(c.fd);
  ERR_clear_error();
  connections.erase(c.id);  // destroys c
}

void EpollUpstream::Impl::CloseAll() {
  while (!connections.empty()) Close(*connections.begin()->second);
}

EpollUpstream::EpollUpstream(EpollUpstreamOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>(this)) {}

EpollUpstream::~EpollUpstream() {
  Stop();
  impl_.reset();
}

absl::Status EpollUpstream::Bind() { return impl_->Bind(options_, &port_); }

void EpollUpstream::Run() { impl_->Run(); }

absl::Status EpollUpstream::Start() {
  if (absl::Status s = Bind(); !s.ok()) return s;
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void EpollUpstream::Stop() {
  if (impl_ != nullptr && impl_->wake_fd >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(impl_->wake_fd, &one, sizeof(one));
  }
  if (thread_.joinable()) thread_.join();
}

std::map<std::string, std::int64_t> EpollUpstream::faults_by_kind() const {
  std::lock_guard<std::mutex> lock(faults_mu_);
  return faults_by_kind_;
}

std::string EpollUpstream::base_url() const {
  return absl::StrCat("https://", options_.host, ":", port_);
}

// --- Maesn answers ----------------------------------------------------------

std::string TaskBody(int step) {
  return absl::StrCat(
      R"({"meta":{"warnings":[]},"data":{"status":"IN_PROGRESS",)",
      R"("information":[],"responseData":{"step":)", step, "}}}");
}

UpstreamHandler MaesnHandler(
    std::string invoice_body,
    std::function<int(const std::string& task_id)> task_step) {
  return [invoice_body = std::move(invoice_body),
          task_step = std::move(task_step)](const UpstreamRequest& request) {
    absl::string_view path = request.target;
    path = path.substr(0, path.find('?'));
    if (request.method != "GET") {
      return Answer(405, ErrorBody(405, "Method not allowed"));
    }
    constexpr absl::string_view kInvoices = "/accounting/invoices/";
    constexpr absl::string_view kTasks = "/accounting/asyncTask/";
    if (absl::StartsWith(path, kInvoices) &&
        path.find('/', kInvoices.size()) == absl::string_view::npos &&
        path.size() > kInvoices.size()) {
      return Answer(200, invoice_body);
    }
    if (absl::StartsWith(path, kTasks) && task_step) {
      const int step = task_step(std::string(path.substr(kTasks.size())));
      if (step >= 0) return Answer(200, TaskBody(step));
      return Answer(404, ErrorBody(404, "Task not found"));
    }
    return Answer(404, ErrorBody(404, "Not found"));
  };
}

TimedTasks::TimedTasks(std::chrono::steady_clock::time_point origin,
                       std::chrono::milliseconds step, int tasks)
    : origin_(origin), step_(step), tasks_(tasks) {}

std::string TimedTasks::Id(int task) {
  return absl::StrFormat("bench-task-%04d", task);
}

int TimedTasks::Index(const std::string& id) const {
  constexpr absl::string_view kPrefix = "bench-task-";
  int task = -1;
  if (!absl::StartsWith(id, kPrefix) ||
      !absl::SimpleAtoi(absl::string_view(id).substr(kPrefix.size()), &task) ||
      task < 0 || task >= tasks_) {
    return -1;
  }
  return task;
}

std::chrono::steady_clock::time_point TimedTasks::ChangeTime(int task,
                                                             int step) const {
  return origin_ + step * step_ + task * step_ / tasks_;
}

int TimedTasks::StepAt(int task,
                       std::chrono::steady_clock::time_point now) const {
  const auto since = now - (origin_ + task * step_ / tasks_);
  if (since.count() < 0) return 0;
  return static_cast<int>(since / step_);
}

void RaiseDescriptorLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
      limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace maesn::bench
