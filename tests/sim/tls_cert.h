// Self-signed TLS certificates for tests and the Maesn simulator.
#ifndef MAESN_TESTS_SIM_TLS_CERT_H_
#define MAESN_TESTS_SIM_TLS_CERT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace maesn::sim {

// Paths of a PEM certificate and its PEM private key.
struct TlsFiles {
  std::string cert_file;
  std::string key_file;
};

// Writes `<dir>/ca.pem` (a self-signed EC P-256 / SHA-256 certificate that is
// both the server certificate and the CA a client should trust: CA:TRUE,
// keyUsage digitalSignature+keyCertSign, extendedKeyUsage serverAuth) and
// `<dir>/key.pem` (its private key, mode 0600). The certificate is valid from
// one hour ago for 30 days; its subjectAltName lists `dns_names` as DNS
// entries and `ips` (IPv4 or IPv6 literals) as IP entries. At least one name
// or address is required. `dir` must exist. Each call makes a new key, so two
// calls give two certificates that do not trust each other (useful for
// "untrusted CA" and "wrong host" tests).
absl::StatusOr<TlsFiles> MakeSelfSignedCert(
    const std::string& dir, std::vector<std::string> dns_names = {"localhost"},
    std::vector<std::string> ips = {"127.0.0.1"});

}  // namespace maesn::sim

#endif  // MAESN_TESTS_SIM_TLS_CERT_H_
