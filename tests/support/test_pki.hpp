#pragma once
// Certificates made at test time (OpenSSL, EC P-256, SHA-256): a CA and the
// server certificates it signs, valid, expired or for other names on demand.
// Nothing is checked in; every test run has fresh keys.
#include <string>
#include <vector>

struct evp_pkey_st;
struct x509_st;

namespace kilp::testing {

struct PemIdentity {
  std::string certificate;  // PEM
  std::string private_key;  // PEM (PKCS#8)
};

class TestCertificateAuthority {
 public:
  explicit TestCertificateAuthority(const std::string& common_name = "kilp test CA");
  ~TestCertificateAuthority();
  TestCertificateAuthority(const TestCertificateAuthority&) = delete;
  TestCertificateAuthority& operator=(const TestCertificateAuthority&) = delete;

  const std::string& certificate_pem() const { return certificate_pem_; }

  // A server certificate whose subjectAltName lists `names` ("localhost",
  // "127.0.0.1": IP literals become IP entries), valid from now + valid_from_s
  // to now + valid_until_s (negative: in the past).
  PemIdentity issue(const std::vector<std::string>& names, long valid_from_s = -3600,
                    long valid_until_s = 86400) const;

 private:
  evp_pkey_st* key_ = nullptr;
  x509_st* certificate_ = nullptr;
  std::string certificate_pem_;
  mutable long next_serial_ = 2;
};

// Writes `contents` to a fresh file under the test's temporary directory.
std::string write_temp_file(const std::string& name, const std::string& contents);

}  // namespace kilp::testing
