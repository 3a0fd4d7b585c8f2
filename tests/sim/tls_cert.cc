#include "tls_cert.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace maesn::sim {
namespace {

constexpr long kOneHourSeconds = 60L * 60L;
constexpr long kThirtyDaysSeconds = 30L * 24L * 60L * 60L;

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Deleter {
  void operator()(X509* p) const { X509_free(p); }
};
struct ExtensionDeleter {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
struct GeneralNamesDeleter {
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
};
struct BioDeleter {
  void operator()(BIO* p) const { BIO_free_all(p); }
};
struct BignumDeleter {
  void operator()(BIGNUM* p) const { BN_free(p); }
};

// Returns `what` plus the most recent OpenSSL error, and clears the queue.
absl::Status OpenSslError(const std::string& what) {
  unsigned long code = ERR_get_error();
  std::string detail = "unknown error";
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    detail = buf;
  }
  ERR_clear_error();
  return absl::InternalError(absl::StrCat(what, ": ", detail));
}

// Adds a config-style extension (e.g. "critical,CA:TRUE") issued by `cert`
// itself.
absl::Status AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, ExtensionDeleter> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (ext == nullptr) {
    return OpenSslError(absl::StrCat("X509V3_EXT_conf_nid(", value, ")"));
  }
  if (X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslError("X509_add_ext");
  }
  return absl::OkStatus();
}

absl::Status AddSubjectAltNames(X509* cert,
                                const std::vector<std::string>& dns_names,
                                const std::vector<std::string>& ips) {
  std::unique_ptr<GENERAL_NAMES, GeneralNamesDeleter> names(
      sk_GENERAL_NAME_new_null());
  if (names == nullptr) return OpenSslError("sk_GENERAL_NAME_new_null");
  for (const std::string& dns : dns_names) {
    if (dns.empty()) return absl::InvalidArgumentError("empty DNS name");
    GENERAL_NAME* name = GENERAL_NAME_new();
    ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
    if (name == nullptr || ia5 == nullptr ||
        ASN1_STRING_set(ia5, dns.data(), static_cast<int>(dns.size())) != 1) {
      GENERAL_NAME_free(name);
      ASN1_IA5STRING_free(ia5);
      return OpenSslError("DNS subjectAltName");
    }
    GENERAL_NAME_set0_value(name, GEN_DNS, ia5);
    if (sk_GENERAL_NAME_push(names.get(), name) == 0) {
      GENERAL_NAME_free(name);
      return OpenSslError("sk_GENERAL_NAME_push");
    }
  }
  for (const std::string& ip : ips) {
    ASN1_OCTET_STRING* octets = a2i_IPADDRESS(ip.c_str());
    if (octets == nullptr) {
      ERR_clear_error();
      return absl::InvalidArgumentError(
          absl::StrCat("not an IP address: ", ip));
    }
    GENERAL_NAME* name = GENERAL_NAME_new();
    if (name == nullptr) {
      ASN1_OCTET_STRING_free(octets);
      return OpenSslError("GENERAL_NAME_new");
    }
    GENERAL_NAME_set0_value(name, GEN_IPADD, octets);
    if (sk_GENERAL_NAME_push(names.get(), name) == 0) {
      GENERAL_NAME_free(name);
      return OpenSslError("sk_GENERAL_NAME_push");
    }
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, 0) != 1) {
    return OpenSslError("subjectAltName");
  }
  return absl::OkStatus();
}

absl::Status SetRandomSerial(X509* cert) {
  std::unique_ptr<BIGNUM, BignumDeleter> bn(BN_new());
  if (bn == nullptr ||
      BN_rand(bn.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1) {
    return OpenSslError("BN_rand");
  }
  ASN1_INTEGER* serial = X509_get_serialNumber(cert);
  if (BN_to_ASN1_INTEGER(bn.get(), serial) == nullptr) {
    return OpenSslError("BN_to_ASN1_INTEGER");
  }
  return absl::OkStatus();
}

absl::Status WritePem(const std::string& path, X509* cert, EVP_PKEY* key) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_file(path.c_str(), "w"));
  if (bio == nullptr) return OpenSslError(absl::StrCat("open ", path));
  int ok = cert != nullptr
               ? PEM_write_bio_X509(bio.get(), cert)
               : PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0,
                                          nullptr, nullptr);
  if (ok != 1 || BIO_flush(bio.get()) != 1) {
    return OpenSslError(absl::StrCat("write ", path));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TlsFiles> MakeSelfSignedCert(const std::string& dir,
                                            std::vector<std::string> dns_names,
                                            std::vector<std::string> ips) {
  if (dns_names.empty() && ips.empty()) {
    return absl::InvalidArgumentError(
        "a certificate needs at least one DNS name or IP address");
  }
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key(EVP_EC_gen("P-256"));
  if (key == nullptr) return OpenSslError("EVP_EC_gen(P-256)");

  std::unique_ptr<X509, X509Deleter> cert(X509_new());
  if (cert == nullptr) return OpenSslError("X509_new");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return OpenSslError("X509_set_version");
  }
  if (absl::Status s = SetRandomSerial(cert.get()); !s.ok()) return s;
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kOneHourSeconds) ==
          nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), kThirtyDaysSeconds) ==
          nullptr) {
    return OpenSslError("X509_gmtime_adj");
  }
  if (X509_set_pubkey(cert.get(), key.get()) != 1) {
    return OpenSslError("X509_set_pubkey");
  }

  std::string common_name = dns_names.empty() ? ips.front() : dns_names.front();
  X509_NAME* subject = X509_get_subject_name(cert.get());
  const auto* org = reinterpret_cast<const unsigned char*>("Maesn simulator");
  const auto* cn = reinterpret_cast<const unsigned char*>(common_name.c_str());
  if (X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8, org, -1, -1, 0) !=
          1 ||
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, cn, -1, -1, 0) !=
          1) {
    return OpenSslError("X509_NAME_add_entry_by_txt");
  }
  if (X509_set_issuer_name(cert.get(), subject) != 1) {
    return OpenSslError("X509_set_issuer_name");
  }

  // The subject key id must exist before the authority key id refers to it.
  const std::pair<int, const char*> extensions[] = {
      {NID_basic_constraints, "critical,CA:TRUE"},
      {NID_key_usage, "critical,digitalSignature,keyCertSign"},
      {NID_ext_key_usage, "serverAuth"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid:always"},
  };
  for (const auto& [nid, value] : extensions) {
    if (absl::Status s = AddExtension(cert.get(), nid, value); !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = AddSubjectAltNames(cert.get(), dns_names, ips);
      !s.ok()) {
    return s;
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return OpenSslError("X509_sign");
  }

  TlsFiles files{absl::StrCat(dir, "/ca.pem"), absl::StrCat(dir, "/key.pem")};
  if (absl::Status s = WritePem(files.cert_file, cert.get(), nullptr);
      !s.ok()) {
    return s;
  }
  // Create the key file private before any key material is written to it.
  {
    std::unique_ptr<BIO, BioDeleter> touch(
        BIO_new_file(files.key_file.c_str(), "w"));
    if (touch == nullptr) return OpenSslError("open " + files.key_file);
  }
  if (chmod(files.key_file.c_str(), S_IRUSR | S_IWUSR) != 0) {
    return absl::InternalError("chmod " + files.key_file);
  }
  if (absl::Status s = WritePem(files.key_file, nullptr, key.get()); !s.ok()) {
    return s;
  }
  return files;
}

}  // namespace maesn::sim
