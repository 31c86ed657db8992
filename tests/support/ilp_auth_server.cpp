#include "tests/support/ilp_auth_server.hpp"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <vector>

#include "tests/support/tls_terminator.hpp"

namespace kilp::testing {
namespace {

constexpr std::size_t kChallengeBytes = 512;

std::string base64url(const unsigned char* data, std::size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (std::size_t i = 0; i < size; ++i) {
    bits = (bits << 8) | data[i];
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += kAlphabet[(bits >> count) & 63];
    }
  }
  if (count > 0) out += kAlphabet[(bits << (6 - count)) & 63];
  return out;
}

std::string decode_base64(const std::string& text) {
  std::vector<unsigned char> out(text.size());
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return {};
  std::size_t length = static_cast<std::size_t>(n);
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --length;
  return std::string(reinterpret_cast<char*>(out.data()), length);
}

// Reads one '\n'-terminated line (without it); empty on EOF or timeout.
std::string read_line(int fd) {
  std::string line;
  char c = 0;
  while (line.size() < 8192) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 10000) <= 0 || ::recv(fd, &c, 1, 0) != 1) return {};
    if (c == '\n') return line;
    line += c;
  }
  return {};
}

}  // namespace

IlpAuthKeyPair generate_ilp_auth_key() {
  IlpAuthKeyPair pair;
  pair.key = EVP_EC_gen("P-256");
  BIGNUM* d = nullptr;
  EVP_PKEY_get_bn_param(pair.key, OSSL_PKEY_PARAM_PRIV_KEY, &d);
  unsigned char scalar[32];
  BN_bn2binpad(d, scalar, sizeof scalar);
  BN_free(d);
  pair.token = base64url(scalar, sizeof scalar);
  unsigned char point[65];
  std::size_t length = 0;
  EVP_PKEY_get_octet_string_param(pair.key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &length);
  if (length != sizeof point) throw std::runtime_error("test key: unexpected public key form");
  pair.token_x = base64url(point + 1, 32);
  pair.token_y = base64url(point + 33, 32);
  return pair;
}

void free_ilp_auth_key(IlpAuthKeyPair& pair) {
  EVP_PKEY_free(pair.key);
  pair.key = nullptr;
}

IlpAuthServer::IlpAuthServer(std::string key_id, evp_pkey_st* key)
    : key_id_(std::move(key_id)), key_(key) {
  listener_ = listen_on_loopback(port_);
  thread_ = std::thread([this] { run(); });
}

IlpAuthServer::~IlpAuthServer() {
  stop_ = true;
  thread_.join();
  ::close(listener_);
}

std::string IlpAuthServer::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

bool IlpAuthServer::wait_for_bytes(std::size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return bytes_.size() >= count; });
}

bool IlpAuthServer::authenticate(int client) {
  const std::string key_id = read_line(client);
  if (key_id != key_id_) return false;
  std::string challenge(kChallengeBytes + 1, '\n');
  std::vector<unsigned char> random(kChallengeBytes);
  RAND_bytes(random.data(), static_cast<int>(random.size()));
  for (std::size_t i = 0; i < kChallengeBytes; ++i) {
    challenge[i] = static_cast<char>(0x20 + random[i] % 0x5f);
  }
  if (::send(client, challenge.data(), challenge.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(challenge.size())) {
    return false;
  }
  const std::string signature = decode_base64(read_line(client));
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  const bool verified =
      !signature.empty() &&
      EVP_DigestVerifyInit(context, nullptr, EVP_sha256(), nullptr, key_) == 1 &&
      EVP_DigestVerify(context, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(challenge.data()),
                       kChallengeBytes) == 1;
  EVP_MD_CTX_free(context);
  return verified;
}

void IlpAuthServer::run() {
  std::vector<char> chunk(64 * 1024);
  while (!stop_) {
    pollfd pfd{listener_, POLLIN, 0};
    if (::poll(&pfd, 1, 20) <= 0) continue;
    const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    if (!authenticate(client)) {
      ++refused_;
      ::close(client);
      continue;
    }
    ++authenticated_;
    while (!stop_) {
      pollfd data{client, POLLIN, 0};
      if (::poll(&data, 1, 20) <= 0) continue;
      const ssize_t n = ::recv(client, chunk.data(), chunk.size(), 0);
      if (n <= 0) break;
      std::lock_guard lock(mutex_);
      bytes_.append(chunk.data(), static_cast<std::size_t>(n));
      changed_.notify_all();
    }
    ::close(client);
  }
}

}  // namespace kilp::testing
