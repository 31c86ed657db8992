#pragma once
// TLS settings of an https:: or tcps:: sink, named as QuestDB's clients name them:
// tls_verify=on|unsafe_off, tls_ca=os_roots|pem_file (webpki_roots and
// webpki_and_os_roots are read as the OS store: Debian has no separate WebPKI
// bundle), tls_roots=FILE (a PEM bundle; implies tls_ca=pem_file).
#include <string>

namespace kilp::io {

enum class TlsRoots { os_roots, pem_file };

struct TlsOptions {
  bool enabled = false;  // https:: / tcps::
  bool verify = true;    // tls_verify=unsafe_off turns certificate and host checks off
  TlsRoots roots = TlsRoots::os_roots;
  std::string roots_file;  // PEM bundle when roots == pem_file
};

}  // namespace kilp::io
