// FaultServer: a raw TCP (optionally TLS) server on loopback that misbehaves
// on purpose below the HTTP layer, where httplib's server cannot: it answers
// slowly, stops half-way, resets the connection, streams without end or
// speaks plain HTTP on a port the gateway expects TLS on. Used beside the
// MaesnSimulator (which injects HTTP-level faults through SetRequestHook and
// /_sim/faults) by the fault-matrix tests.
//
// Every accepted connection reads one request head (and the body its
// Content-Length announces), records it, then acts out the current Fault.
// Thread-safe. Stop() (or the destructor) ends every connection at once,
// also those waiting between slow writes.
#ifndef MAESN_TESTS_SIM_FAULT_SERVER_H_
#define MAESN_TESTS_SIM_FAULT_SERVER_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace maesn::sim {

enum class Fault {
  // Reads the request and never answers (until the peer closes or Stop()).
  kNoAnswer,
  // Sends the status line, then one header byte per `interval`, forever.
  kTrickleHeaders,
  // Sends complete headers announcing `body_bytes` of JSON, then one body
  // byte per `interval`.
  kTrickleBody,
  // Announces `body_bytes` (Content-Length), sends `truncate_after` of them
  // and closes the connection cleanly.
  kTruncatedBody,
  // Reads the request, then resets the connection (TCP RST).
  kResetAfterRequest,
  // Resets the connection as soon as it is accepted, before any TLS.
  kResetOnAccept,
  // Sends headers (chunked) and then JSON bytes as fast as the peer reads,
  // until the peer stops reading or closes. bytes_sent() tells how much.
  kEndlessBody,
  // Sends `raw_response` as it is, then closes.
  kRawResponse,
};

struct FaultBehaviour {
  Fault fault = Fault::kNoAnswer;
  std::chrono::milliseconds interval{50};
  std::size_t body_bytes = 100000;
  std::size_t truncate_after = 100;
  std::string raw_response;
};

struct FaultServerOptions {
  // PEM certificate and key; both empty = plain TCP (no TLS at all).
  std::string cert_file;
  std::string key_file;
  std::string bind_address = "127.0.0.1";
};

class FaultServer {
 public:
  explicit FaultServer(FaultServerOptions options);
  ~FaultServer();  // Stop()s.

  FaultServer(const FaultServer&) = delete;
  FaultServer& operator=(const FaultServer&) = delete;

  // Binds a free port and starts accepting. Call at most once.
  absl::Status Start();
  // Closes the listener and every open connection, joins all threads.
  // Idempotent.
  void Stop();

  int port() const { return port_; }
  std::string base_url() const;  // "https://localhost:<port>"

  // Applies to connections accepted from now on.
  void SetBehaviour(FaultBehaviour behaviour);

  // Connections accepted so far, and those whose handling has ended (the
  // peer closed, a write failed, or the fault ran its course).
  int connections() const { return connections_.load(); }
  int finished() const { return finished_.load(); }
  // Request heads (request line + headers, as received, TLS decrypted)
  // read so far, in order.
  std::vector<std::string> RequestHeads() const;
  // Payload bytes written to all peers so far (after TLS decryption).
  std::int64_t bytes_sent() const { return bytes_sent_.load(); }
  // Raw bytes of the first read on the most recent connection, before any
  // TLS processing (shows whether a client sent a TLS ClientHello or plain
  // text).
  std::string FirstBytes() const;

 private:
  class Connection;
  void AcceptLoop();
  void Serve(int fd);

  const FaultServerOptions options_;
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  int port_ = 0;
  void* ssl_ctx_ = nullptr;  // SSL_CTX*, kept opaque to spare users OpenSSL.
  std::thread acceptor_;
  absl::Notification stopping_;
  std::atomic<int> connections_{0};
  std::atomic<int> finished_{0};
  std::atomic<std::int64_t> bytes_sent_{0};

  mutable absl::Mutex mu_;
  FaultBehaviour behaviour_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> heads_ ABSL_GUARDED_BY(mu_);
  std::string first_bytes_ ABSL_GUARDED_BY(mu_);
  std::set<int> open_fds_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> workers_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace maesn::sim

#endif  // MAESN_TESTS_SIM_FAULT_SERVER_H_
