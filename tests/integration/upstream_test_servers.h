// Small loopback servers for the transport tests, where neither the Maesn
// simulator nor FaultServer fits:
//  - ScriptedTlsServer keeps connections alive across requests and lets a
//    test decide, per request, to answer or to reset the connection (e.g.
//    a reused connection that dies after a write arrived);
//  - ConnectProxy is an HTTP CONNECT proxy that records the tunnels it
//    opened and relays bytes blindly (it never sees inside TLS).
// Both bind 127.0.0.1 on a free port, run a thread per connection, and
// Stop() (or the destructor) ends every connection. Thread-safe.
#ifndef MAESN_TESTS_INTEGRATION_UPSTREAM_TEST_SERVERS_H_
#define MAESN_TESTS_INTEGRATION_UPSTREAM_TEST_SERVERS_H_

#include <atomic>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace maesn::testing {

// Accepts and serves connections on its own threads until Stop().
class LoopbackServer {
 public:
  virtual ~LoopbackServer();
  absl::Status Start();
  void Stop();  // Idempotent; must be called by the subclass's destructor.
  int port() const { return port_; }
  int connections() const { return connections_.load(); }

 protected:
  LoopbackServer() = default;
  // Serves one accepted socket; returns when done (the caller closes it).
  virtual void Serve(int fd, int index) = 0;
  bool stopping() const { return stopping_.load(); }

 private:
  void AcceptLoop();

  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  absl::Mutex mu_;
  std::set<int> open_fds_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> workers_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

// A TLS server speaking HTTP/1.1 keep-alive. Every request (head plus the
// body its Content-Length announces) is recorded and handed to the script,
// which answers with raw bytes to write (the connection then stays open
// for the next request) or nullopt to reset the connection (TCP RST).
class ScriptedTlsServer final : public LoopbackServer {
 public:
  struct Request {
    int connection;  // 0-based, in accept order
    std::string head;
    std::string body;
  };
  using Script = std::function<std::optional<std::string>(const Request&)>;

  ScriptedTlsServer(std::string cert_file, std::string key_file, Script script);
  ~ScriptedTlsServer() override;

  std::vector<Request> requests() const;

  // "HTTP/1.1 <status> X" with a JSON body and Content-Length (keep-alive).
  static std::string Response(int status, const std::string& body);

 private:
  void Serve(int fd, int index) override;

  const std::string cert_file_;
  const std::string key_file_;
  const Script script_;
  void* ssl_ctx_ = nullptr;  // SSL_CTX*
  mutable absl::Mutex mu_;
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
};

// An HTTP CONNECT proxy. Records each CONNECT request head (which shows
// whether credentials or other request headers leaked to the proxy), and
// answers 403 to tunnels towards a port other than `allowed_port` when set.
class ConnectProxy final : public LoopbackServer {
 public:
  explicit ConnectProxy(int allowed_port = 0);
  ~ConnectProxy() override;

  std::vector<std::string> connect_heads() const;
  std::string url() const;  // "http://127.0.0.1:<port>"

 private:
  void Serve(int fd, int index) override;

  const int allowed_port_;
  mutable absl::Mutex mu_;
  std::vector<std::string> heads_ ABSL_GUARDED_BY(mu_);
};

}  // namespace maesn::testing

#endif  // MAESN_TESTS_INTEGRATION_UPSTREAM_TEST_SERVERS_H_
