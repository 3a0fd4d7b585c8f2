#include "fault_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"

namespace maesn::sim {

// One accepted connection: plain or TLS reads and writes over one socket.
class FaultServer::Connection {
 public:
  Connection(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  ~Connection() {
    if (ssl_ != nullptr) SSL_free(ssl_);
  }

  // Reads what is available (blocking until something is); <= 0 on EOF or
  // error.
  long Read(char* buf, std::size_t n) {
    if (ssl_ != nullptr) return SSL_read(ssl_, buf, static_cast<int>(n));
    return ::recv(fd_, buf, n, 0);
  }
  // Writes all of `data`; false when the peer is gone.
  bool Write(absl::string_view data, std::atomic<std::int64_t>& counter) {
    while (!data.empty()) {
      long n;
      if (ssl_ != nullptr) {
        n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
      } else {
        n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      }
      if (n <= 0) return false;
      counter.fetch_add(n);
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  void CloseCleanly() {
    if (ssl_ != nullptr) SSL_shutdown(ssl_);
    ::shutdown(fd_, SHUT_WR);
  }

 private:
  int fd_;
  SSL* ssl_;
};

namespace {

void Reset(int fd) {
  linger l{1, 0};  // close() now sends RST instead of FIN
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

// The value of header `name` in a request head; empty if absent.
std::string HeadHeader(absl::string_view head, absl::string_view name) {
  for (absl::string_view line : absl::StrSplit(head, "\r\n")) {
    const auto colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    if (absl::EqualsIgnoreCase(line.substr(0, colon), name)) {
      return std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
    }
  }
  return {};
}

}  // namespace

FaultServer::FaultServer(FaultServerOptions options)
    : options_(std::move(options)) {}

FaultServer::~FaultServer() { Stop(); }

std::string FaultServer::base_url() const {
  return absl::StrCat("https://localhost:", port_);
}

absl::Status FaultServer::Start() {
  // A peer that goes away while a TLS write is under way must not kill the
  // test process (SSL_write has no MSG_NOSIGNAL).
  signal(SIGPIPE, SIG_IGN);
  if (!options_.cert_file.empty()) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == nullptr ||
        SSL_CTX_use_certificate_chain_file(ctx, options_.cert_file.c_str()) !=
            1 ||
        SSL_CTX_use_PrivateKey_file(ctx, options_.key_file.c_str(),
                                    SSL_FILETYPE_PEM) != 1) {
      if (ctx != nullptr) SSL_CTX_free(ctx);
      return absl::InternalError("FaultServer: cannot load the certificate");
    }
    ssl_ctx_ = ctx;
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return absl::InternalError("FaultServer: socket()");
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  if (inet_pton(AF_INET, options_.bind_address.c_str(), &addr.sin_addr) != 1) {
    return absl::InvalidArgumentError("FaultServer: bad bind address");
  }
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) !=
          0 ||
      ::listen(listen_fd_, 64) != 0) {
    return absl::UnavailableError("FaultServer: cannot bind");
  }
  socklen_t len = sizeof(addr);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  if (::pipe2(wake_pipe_, O_CLOEXEC) != 0) {
    return absl::InternalError("FaultServer: pipe()");
  }
  acceptor_ = std::thread([this] { AcceptLoop(); });
  return absl::OkStatus();
}

void FaultServer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  stopping_.Notify();
  if (wake_pipe_[1] >= 0) {
    const char c = 'x';
    (void)!::write(wake_pipe_[1], &c, 1);
  }
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> workers;
  {
    absl::MutexLock lock(&mu_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
  for (int* fd : {&listen_fd_, &wake_pipe_[0], &wake_pipe_[1]}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
  if (ssl_ctx_ != nullptr) SSL_CTX_free(static_cast<SSL_CTX*>(ssl_ctx_));
  ssl_ctx_ = nullptr;
}

void FaultServer::SetBehaviour(FaultBehaviour behaviour) {
  absl::MutexLock lock(&mu_);
  behaviour_ = std::move(behaviour);
}

std::vector<std::string> FaultServer::RequestHeads() const {
  absl::MutexLock lock(&mu_);
  return heads_;
}

std::string FaultServer::FirstBytes() const {
  absl::MutexLock lock(&mu_);
  return first_bytes_;
}

void FaultServer::AcceptLoop() {
  while (!stopping_.HasBeenNotified()) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    // Small send buffer: a peer that stops reading stops the writes soon,
    // which makes bytes_sent() a tight measure of what the peer consumed.
    int sndbuf = 64 * 1024;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    connections_.fetch_add(1);
    absl::MutexLock lock(&mu_);
    if (stopped_) {
      ::close(fd);
      return;
    }
    open_fds_.insert(fd);
    workers_.emplace_back([this, fd] {
      // Named, so that a test can tell the gateway's threads from these.
      pthread_setname_np(pthread_self(), "fault-conn");
      Serve(fd);
    });
  }
}

void FaultServer::Serve(int fd) {
  FaultBehaviour b;
  {
    absl::MutexLock lock(&mu_);
    b = behaviour_;
  }
  auto finish = [&](bool reset) {
    if (reset) Reset(fd);
    {
      absl::MutexLock lock(&mu_);
      open_fds_.erase(fd);
    }
    ::close(fd);
    finished_.fetch_add(1);
  };
  if (b.fault == Fault::kResetOnAccept) return finish(/*reset=*/true);

  char peek[512];
  const long peeked = ::recv(fd, peek, sizeof(peek), MSG_PEEK);
  if (peeked <= 0) return finish(false);
  const bool looks_like_tls = static_cast<unsigned char>(peek[0]) == 0x16;
  {
    absl::MutexLock lock(&mu_);
    first_bytes_.assign(peek, static_cast<std::size_t>(peeked));
  }

  SSL* ssl = nullptr;
  if (ssl_ctx_ != nullptr) {
    ssl = SSL_new(static_cast<SSL_CTX*>(ssl_ctx_));
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {
      SSL_free(ssl);
      return finish(false);
    }
  }
  Connection conn(fd, ssl);

  // One request head, then the body its Content-Length announces. A plain
  // server that receives a TLS ClientHello does not wait for a head.
  std::string in;
  char buf[16384];
  if (ssl != nullptr || !looks_like_tls) {
    while (in.find("\r\n\r\n") == std::string::npos && in.size() < 65536) {
      const long n = conn.Read(buf, sizeof(buf));
      if (n <= 0) return finish(false);
      in.append(buf, static_cast<std::size_t>(n));
    }
    const std::size_t head_end = in.find("\r\n\r\n");
    const std::string head = in.substr(0, head_end);
    std::size_t want = 0;
    (void)absl::SimpleAtoi(HeadHeader(head, "Content-Length"), &want);
    std::size_t have = in.size() - std::min(in.size(), head_end + 4);
    while (have < want) {
      const long n = conn.Read(buf, sizeof(buf));
      if (n <= 0) break;
      have += static_cast<std::size_t>(n);
    }
    absl::MutexLock lock(&mu_);
    heads_.push_back(head);
  } else {
    const long n = ::recv(fd, buf, sizeof(buf), 0);  // consume the hello
    (void)n;
  }

  auto wait = [&]() {
    return !stopping_.WaitForNotificationWithTimeout(
        absl::FromChrono(b.interval));
  };
  switch (b.fault) {
    case Fault::kNoAnswer:
      // Until the peer gives up (or Stop() shuts the socket down).
      while (conn.Read(buf, sizeof(buf)) > 0) {
      }
      break;
    case Fault::kTrickleHeaders: {
      if (!conn.Write("HTTP/1.1 200 OK\r\n", bytes_sent_)) break;
      const std::string header = "X-Slow: " + std::string(8000, 'a');
      for (std::size_t i = 0; wait(); i = (i + 1) % header.size()) {
        if (!conn.Write(header.substr(i, 1), bytes_sent_)) break;
      }
      break;
    }
    case Fault::kTrickleBody: {
      if (!conn.Write(absl::StrCat("HTTP/1.1 200 OK\r\nContent-Type: "
                                   "application/json\r\nContent-Length: ",
                                   b.body_bytes, "\r\n\r\n{"),
                      bytes_sent_)) {
        break;
      }
      while (wait() && conn.Write(" ", bytes_sent_)) {
      }
      break;
    }
    case Fault::kTruncatedBody: {
      std::string body = R"({"meta":{},"data":{"invoiceId":")";
      body.resize(std::max(body.size(), b.truncate_after), 'x');
      if (conn.Write(absl::StrCat("HTTP/1.1 200 OK\r\nContent-Type: "
                                  "application/json\r\nContent-Length: ",
                                  b.body_bytes, "\r\n\r\n"),
                     bytes_sent_) &&
          conn.Write(body, bytes_sent_)) {
        conn.CloseCleanly();
        // Wait for the peer to notice and close its side.
        while (conn.Read(buf, sizeof(buf)) > 0) {
        }
      }
      break;
    }
    case Fault::kResetAfterRequest:
      return finish(/*reset=*/true);
    case Fault::kResetOnAccept:
      break;
    case Fault::kEndlessBody: {
      if (!conn.Write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n",
                      bytes_sent_)) {
        break;
      }
      const std::string chunk =
          absl::StrCat("4000\r\n", std::string(0x4000, ' '), "\r\n");
      while (!stopping_.HasBeenNotified() && conn.Write(chunk, bytes_sent_)) {
      }
      break;
    }
    case Fault::kRawResponse:
      if (conn.Write(b.raw_response, bytes_sent_)) {
        conn.CloseCleanly();
        while (conn.Read(buf, sizeof(buf)) > 0) {
        }
      }
      break;
  }
  finish(false);
}

}  // namespace maesn::sim
