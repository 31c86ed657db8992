#include "tests/support/test_pki.hpp"

#include <arpa/inet.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace kilp::testing {
namespace {

std::string to_pem(x509_st* certificate) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, certificate);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(length));
  BIO_free(bio);
  return pem;
}

std::string to_pem(evp_pkey_st* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(length));
  BIO_free(bio);
  return pem;
}

void add_extension(X509* certificate, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (extension == nullptr) throw std::runtime_error("test PKI: bad extension " + value);
  X509_add_ext(certificate, extension, -1);
  X509_EXTENSION_free(extension);
}

X509* new_certificate(EVP_PKEY* key, const std::string& common_name, long serial, long valid_from_s,
                      long valid_until_s) {
  X509* certificate = X509_new();
  X509_set_version(certificate, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate), serial);
  X509_gmtime_adj(X509_getm_notBefore(certificate), valid_from_s);
  X509_gmtime_adj(X509_getm_notAfter(certificate), valid_until_s);
  X509_set_pubkey(certificate, key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(certificate), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  return certificate;
}

bool is_ip_literal(const std::string& name) {
  unsigned char address[16];
  return ::inet_pton(AF_INET, name.c_str(), address) == 1 ||
         ::inet_pton(AF_INET6, name.c_str(), address) == 1;
}

}  // namespace

TestCertificateAuthority::TestCertificateAuthority(const std::string& common_name) {
  key_ = EVP_EC_gen("P-256");
  if (key_ == nullptr) throw std::runtime_error("test PKI: cannot generate a key");
  certificate_ = new_certificate(key_, common_name, 1, -7200, 10L * 365 * 86400);
  X509_set_issuer_name(certificate_, X509_get_subject_name(certificate_));
  add_extension(certificate_, certificate_, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(certificate_, certificate_, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(certificate_, certificate_, NID_subject_key_identifier, "hash");
  X509_sign(certificate_, key_, EVP_sha256());
  certificate_pem_ = to_pem(certificate_);
}

TestCertificateAuthority::~TestCertificateAuthority() {
  X509_free(certificate_);
  EVP_PKEY_free(key_);
}

PemIdentity TestCertificateAuthority::issue(const std::vector<std::string>& names,
                                            long valid_from_s, long valid_until_s) const {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* certificate = new_certificate(key, names.empty() ? "server" : names.front(), next_serial_++,
                                      valid_from_s, valid_until_s);
  X509_set_issuer_name(certificate, X509_get_subject_name(certificate_));
  std::string alt_names;
  for (const std::string& name : names) {
    if (!alt_names.empty()) alt_names += ',';
    alt_names += (is_ip_literal(name) ? "IP:" : "DNS:") + name;
  }
  if (!alt_names.empty()) add_extension(certificate, certificate_, NID_subject_alt_name, alt_names);
  add_extension(certificate, certificate_, NID_basic_constraints, "CA:FALSE");
  add_extension(certificate, certificate_, NID_ext_key_usage, "serverAuth");
  X509_sign(certificate, key_, EVP_sha256());
  PemIdentity identity{to_pem(certificate), to_pem(key)};
  X509_free(certificate);
  EVP_PKEY_free(key);
  return identity;
}

std::string write_temp_file(const std::string& name, const std::string& contents) {
  const char* base = std::getenv("TMPDIR");
  const std::filesystem::path dir =
      std::filesystem::path(base ? base : "/tmp") / ("kilp-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path path = dir / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
  return path.string();
}

}  // namespace kilp::testing
