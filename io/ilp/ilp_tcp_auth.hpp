#pragma once
// QuestDB's ILP/TCP authentication, on a fresh connection (after TLS for tcps::):
//
//   kilp -> server   key id (username) '\n'
//   server -> kilp   a challenge: printable bytes, '\n'
//   kilp -> server   base64 of the DER ECDSA P-256 / SHA-256 signature of the
//                    challenge (without its '\n'), '\n'
//
// A server that refuses the signature says nothing: it closes the connection.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

struct evp_pkey_st;

namespace kilp::io {

class UringStream;

// The private key of `token` (base64url, as QuestDB's clients take it: the
// 32-byte d value of a P-256 key; '=' padding optional).
class IlpAuthKey {
 public:
  // Throws std::invalid_argument (never echoing the token) when it is not a
  // P-256 private key, or when token_x/token_y are given and are not its public key.
  static std::shared_ptr<const IlpAuthKey> from_token(std::string_view token,
                                                      std::string_view token_x = {},
                                                      std::string_view token_y = {});
  ~IlpAuthKey();
  IlpAuthKey(const IlpAuthKey&) = delete;
  IlpAuthKey& operator=(const IlpAuthKey&) = delete;

  // Base64 (standard alphabet, padded) DER signature of `challenge`.
  std::string sign(std::string_view challenge) const;

 private:
  explicit IlpAuthKey(evp_pkey_st* key) : key_(key) {}
  evp_pkey_st* key_;
};

struct IlpAuthRequest {
  std::string key_id;
  std::shared_ptr<const IlpAuthKey> key;
  // After the signature, how long to watch for the server closing the
  // connection (its only way to refuse); 0 skips the check (reconnects).
  std::chrono::milliseconds verdict_wait{0};
};

// Runs the exchange on an attached stream; returns an empty string, or why it
// failed in one sentence (never containing the token).
std::string authenticate_ilp_tcp(UringStream& stream, const IlpAuthRequest& request,
                                 std::chrono::steady_clock::time_point deadline);

// Decodes base64url or standard base64 (padding optional); false if malformed.
bool decode_base64_any(std::string_view text, std::string& out);

}  // namespace kilp::io
