#pragma once
// A stand-in for QuestDB's authenticated ILP/TCP endpoint on 127.0.0.1: for each
// connection it reads the key id line, sends a challenge of 512 printable bytes
// and '\n', reads the base64 signature line and verifies it (ECDSA P-256 /
// SHA-256) with the public key of the expected key id. A wrong key id or
// signature is refused as QuestDB refuses it: the connection is closed without
// a word. After a good signature every byte is recorded.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

struct evp_pkey_st;

namespace kilp::testing {

// A P-256 key pair as QuestDB's clients take it: base64url d, x and y.
struct IlpAuthKeyPair {
  std::string token;           // private key d
  std::string token_x;         // public key x
  std::string token_y;         // public key y
  evp_pkey_st* key = nullptr;  // owned by the pair's holder (see generate_ilp_auth_key)
};

// Generates a fresh key; free `key` with free_ilp_auth_key.
IlpAuthKeyPair generate_ilp_auth_key();
void free_ilp_auth_key(IlpAuthKeyPair& pair);

class IlpAuthServer {
 public:
  // Accepts `key_id` signing with the public half of `key` (not owned).
  IlpAuthServer(std::string key_id, evp_pkey_st* key);
  ~IlpAuthServer();

  std::uint16_t port() const { return port_; }
  std::size_t authenticated() const { return authenticated_.load(); }
  std::size_t refused() const { return refused_.load(); }
  std::string bytes() const;
  bool wait_for_bytes(std::size_t count, std::chrono::milliseconds timeout);

 private:
  void run();
  bool authenticate(int client);

  std::string key_id_;
  evp_pkey_st* key_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> authenticated_{0};
  std::atomic<std::size_t> refused_{0};
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string bytes_;
  std::thread thread_;
};

}  // namespace kilp::testing
