#include "tests/integration/upstream_test_servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace maesn::testing {
namespace {

std::string HeaderValue(absl::string_view head, absl::string_view name) {
  for (absl::string_view line : absl::StrSplit(head, "\r\n")) {
    const auto colon = line.find(':');
    if (colon != absl::string_view::npos &&
        absl::EqualsIgnoreCase(line.substr(0, colon), name)) {
      return std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
    }
  }
  return {};
}

void ResetOnClose(int fd) {
  linger l{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

bool SendAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

LoopbackServer::~LoopbackServer() { Stop(); }

absl::Status LoopbackServer::Start() {
  signal(SIGPIPE, SIG_IGN);
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return absl::InternalError("socket()");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) !=
          0 ||
      ::listen(listen_fd_, 512) != 0) {
    return absl::UnavailableError("cannot bind a loopback port");
  }
  socklen_t len = sizeof(addr);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  if (::pipe2(wake_pipe_, O_CLOEXEC) != 0) return absl::InternalError("pipe");
  acceptor_ = std::thread([this] { AcceptLoop(); });
  return absl::OkStatus();
}

void LoopbackServer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  stopping_ = true;
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
}

void LoopbackServer::AcceptLoop() {
  while (!stopping_) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    const int index = connections_.fetch_add(1);
    absl::MutexLock lock(&mu_);
    open_fds_.insert(fd);
    workers_.emplace_back([this, fd, index] {
      Serve(fd, index);
      {
        absl::MutexLock l(&mu_);
        open_fds_.erase(fd);
      }
      ::close(fd);
    });
  }
}

ScriptedTlsServer::ScriptedTlsServer(std::string cert_file,
                                     std::string key_file, Script script)
    : cert_file_(std::move(cert_file)),
      key_file_(std::move(key_file)),
      script_(std::move(script)) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_use_certificate_chain_file(ctx, cert_file_.c_str());
  SSL_CTX_use_PrivateKey_file(ctx, key_file_.c_str(), SSL_FILETYPE_PEM);
  ssl_ctx_ = ctx;
}

ScriptedTlsServer::~ScriptedTlsServer() {
  Stop();
  SSL_CTX_free(static_cast<SSL_CTX*>(ssl_ctx_));
}

std::vector<ScriptedTlsServer::Request> ScriptedTlsServer::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

std::string ScriptedTlsServer::Response(int status, const std::string& body) {
  return absl::StrCat("HTTP/1.1 ", status,
                      " X\r\nContent-Type: application/json\r\n"
                      "Content-Length: ",
                      body.size(), "\r\n\r\n", body);
}

void ScriptedTlsServer::Serve(int fd, int index) {
  SSL* ssl = SSL_new(static_cast<SSL_CTX*>(ssl_ctx_));
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) != 1) {
    SSL_free(ssl);
    return;
  }
  std::string in;
  char buf[16384];
  auto read_more = [&] {
    const int n = SSL_read(ssl, buf, sizeof(buf));
    if (n <= 0) return false;
    in.append(buf, static_cast<std::size_t>(n));
    return true;
  };
  while (!stopping()) {
    std::size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      if (!read_more()) {
        SSL_free(ssl);
        return;
      }
    }
    Request request{index, in.substr(0, head_end), ""};
    std::size_t length = 0;
    (void)absl::SimpleAtoi(HeaderValue(request.head, "Content-Length"),
                           &length);
    while (in.size() < head_end + 4 + length) {
      if (!read_more()) break;
    }
    request.body = in.substr(head_end + 4, length);
    in.erase(0, std::min(in.size(), head_end + 4 + length));
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(request);
    }
    std::optional<std::string> answer = script_(request);
    if (!answer.has_value()) {
      ResetOnClose(fd);
      break;
    }
    if (SSL_write(ssl, answer->data(), static_cast<int>(answer->size())) <= 0) {
      break;
    }
  }
  SSL_free(ssl);
}

ConnectProxy::ConnectProxy(int allowed_port) : allowed_port_(allowed_port) {}

ConnectProxy::~ConnectProxy() { Stop(); }

std::vector<std::string> ConnectProxy::connect_heads() const {
  absl::MutexLock lock(&mu_);
  return heads_;
}

std::string ConnectProxy::url() const {
  return absl::StrCat("http://127.0.0.1:", port());
}

void ConnectProxy::Serve(int fd, int /*index*/) {
  std::string in;
  char buf[16384];
  std::size_t head_end;
  while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return;
    in.append(buf, static_cast<std::size_t>(n));
  }
  const std::string head = in.substr(0, head_end);
  {
    absl::MutexLock lock(&mu_);
    heads_.push_back(head);
  }
  // "CONNECT host:port HTTP/1.1"
  std::vector<std::string> words =
      absl::StrSplit(head.substr(0, head.find("\r\n")), ' ', absl::SkipEmpty());
  const auto colon =
      words.size() == 3 ? words[1].rfind(':') : std::string::npos;
  int port = 0;
  if (words.size() != 3 || words[0] != "CONNECT" ||
      colon == std::string::npos ||
      !absl::SimpleAtoi(words[1].substr(colon + 1), &port)) {
    SendAll(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    return;
  }
  if (allowed_port_ != 0 && port != allowed_port_) {
    SendAll(fd, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    return;
  }
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string host = words[1].substr(0, colon);
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) !=
      0) {
    SendAll(fd, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
    return;
  }
  const int up = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const bool connected =
      up >= 0 && ::connect(up, found->ai_addr, found->ai_addrlen) == 0;
  freeaddrinfo(found);
  if (!connected) {
    if (up >= 0) ::close(up);
    SendAll(fd, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
    return;
  }
  if (SendAll(fd, "HTTP/1.1 200 Connection established\r\n\r\n") &&
      SendAll(up, absl::string_view(in).substr(head_end + 4))) {
    // Relays both ways until either side closes (or Stop() shuts `fd`).
    pollfd fds[2] = {{fd, POLLIN, 0}, {up, POLLIN, 0}};
    bool open = true;
    while (open && ::poll(fds, 2, -1) > 0) {
      for (int i = 0; i < 2 && open; ++i) {
        if (fds[i].revents == 0) continue;
        const ssize_t n = ::recv(fds[i].fd, buf, sizeof(buf), 0);
        open = n > 0 &&
               SendAll(fds[1 - i].fd,
                       absl::string_view(buf, static_cast<std::size_t>(n)));
      }
    }
  }
  ::close(up);
}

}  // namespace maesn::testing
