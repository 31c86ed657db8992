#include "io/ilp/ilp_tcp_auth.hpp"

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "io/dead_letter/dead_letter_file.hpp"
#include "io/ilp/uring_stream.hpp"

namespace kilp::io {
namespace {

constexpr std::size_t kScalarBytes = 32;
constexpr std::size_t kMaxChallengeBytes = 4096;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using BigNum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using Group = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP, EC_GROUP_free>>;
using Point = std::unique_ptr<EC_POINT, Deleter<EC_POINT, EC_POINT_free>>;
using ParamBuilder = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using PkeyContext = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using DigestContext = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;

[[noreturn]] void bad_token(std::string_view why) {
  throw std::invalid_argument(fmt::format("tcp::token: {}", why));
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-' || c == '+') return 62;
  if (c == '_' || c == '/') return 63;
  return -1;
}

// A public coordinate given as token_x / token_y must equal the derived one.
void check_coordinate(std::string_view name, std::string_view given, const unsigned char* derived) {
  if (given.empty()) return;
  std::string bytes;
  if (!decode_base64_any(given, bytes) || bytes.size() != kScalarBytes ||
      std::memcmp(bytes.data(), derived, kScalarBytes) != 0) {
    throw std::invalid_argument(
        fmt::format("tcp::{}: is not the public key of the given token", name));
  }
}

}  // namespace

bool decode_base64_any(std::string_view text, std::string& out) {
  out.clear();
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : text) {
    const int v = base64_value(c);
    if (v < 0) return false;
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return count < 6;  // a lone trailing character carries no whole byte
}

std::shared_ptr<const IlpAuthKey> IlpAuthKey::from_token(std::string_view token,
                                                         std::string_view token_x,
                                                         std::string_view token_y) {
  std::string scalar;
  if (!decode_base64_any(token, scalar)) bad_token("is not base64url");
  if (scalar.size() != kScalarBytes) {
    bad_token(fmt::format("expected the 32-byte private key (d) of a P-256 key, got {} bytes",
                          scalar.size()));
  }
  const Group group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  const BigNum d(BN_bin2bn(reinterpret_cast<const unsigned char*>(scalar.data()),
                           static_cast<int>(scalar.size()), nullptr));
  OPENSSL_cleanse(scalar.data(), scalar.size());
  if (!group || !d) bad_token("cannot load the key");
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0) {
    bad_token("is not a valid P-256 private key");
  }
  const Point public_point(EC_POINT_new(group.get()));
  std::array<unsigned char, 1 + 2 * kScalarBytes> public_octets{};
  if (!public_point ||
      EC_POINT_mul(group.get(), public_point.get(), d.get(), nullptr, nullptr, nullptr) != 1 ||
      EC_POINT_point2oct(group.get(), public_point.get(), POINT_CONVERSION_UNCOMPRESSED,
                         public_octets.data(), public_octets.size(),
                         nullptr) != public_octets.size()) {
    bad_token("cannot derive its public key");
  }
  check_coordinate("token_x", token_x, public_octets.data() + 1);
  check_coordinate("token_y", token_y, public_octets.data() + 1 + kScalarBytes);

  const ParamBuilder builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, public_octets.data(),
                                       public_octets.size()) != 1) {
    bad_token("cannot load the key");
  }
  const Params params(OSSL_PARAM_BLD_to_param(builder.get()));
  const PkeyContext context(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_KEYPAIR, params.get()) != 1) {
    bad_token("cannot load the key");
  }
  return std::shared_ptr<const IlpAuthKey>(new IlpAuthKey(key));
}

IlpAuthKey::~IlpAuthKey() {
  EVP_PKEY_free(key_);
}

std::string IlpAuthKey::sign(std::string_view challenge) const {
  const DigestContext context(EVP_MD_CTX_new());
  std::size_t length = 0;
  if (!context || EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key_) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(challenge.data()),
                     challenge.size()) != 1) {
    throw std::runtime_error("ILP/TCP authentication: cannot sign the challenge");
  }
  std::string der(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(der.data()), &length,
                     reinterpret_cast<const unsigned char*>(challenge.data()),
                     challenge.size()) != 1) {
    throw std::runtime_error("ILP/TCP authentication: cannot sign the challenge");
  }
  der.resize(length);
  std::string encoded;
  append_base64(der, encoded);
  return encoded;
}

std::string authenticate_ilp_tcp(UringStream& stream, const IlpAuthRequest& request,
                                 std::chrono::steady_clock::time_point deadline) {
  const std::string key_line = request.key_id + "\n";
  if (const int error = stream.send_all_blocking(key_line, deadline); error != 0) {
    return fmt::format("authentication: sending the key id failed: {}", std::strerror(error));
  }
  std::string challenge;
  std::array<char, 1024> chunk{};
  for (;;) {
    const int n = stream.receive_blocking(chunk, deadline);
    if (n == 0) {
      return "authentication refused: the server closed the connection after the key id "
             "(unknown username, or the endpoint does not use authentication)";
    }
    if (n == -ETIMEDOUT) {
      return "authentication: no challenge from the server in time (the endpoint does not "
             "use authentication?)";
    }
    if (n < 0) return fmt::format("authentication: {}", std::strerror(-n));
    challenge.append(chunk.data(), static_cast<std::size_t>(n));
    const std::size_t end = challenge.find('\n');
    if (end != std::string::npos) {
      if (end + 1 != challenge.size())
        return "authentication: unexpected bytes after the challenge";
      challenge.pop_back();
      break;
    }
    if (challenge.size() > kMaxChallengeBytes) return "authentication: challenge too long";
  }
  const std::string answer = request.key->sign(challenge) + "\n";
  if (const int error = stream.send_all_blocking(answer, deadline); error != 0) {
    return fmt::format("authentication: sending the signature failed: {}", std::strerror(error));
  }
  if (request.verdict_wait.count() <= 0) return {};
  const auto verdict_deadline =
      std::min(deadline, std::chrono::steady_clock::now() + request.verdict_wait);
  const int n = stream.receive_blocking(chunk, verdict_deadline);
  if (n == -ETIMEDOUT) return {};  // silence is how QuestDB accepts
  if (n <= 0) {
    return "authentication refused: the server closed the connection after the signature "
           "(check username and token)";
  }
  return "authentication: unexpected answer from the server after the signature";
}

}  // namespace kilp::io
