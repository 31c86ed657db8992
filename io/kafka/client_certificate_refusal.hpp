#pragma once
// A broker that wants a client certificate (ssl.client.auth=required) ends the TLS
// handshake with an alert, which librdkafka reports as a transport failure and retries
// forever. kilp recognises the alert so that the start-up stops at once, by name.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace kilp::io {

// What to tell the user when librdkafka's transport error `reason` is the brokers'
// refusal of the client certificate (none sent, or one they do not trust); nothing
// for any other failure.
std::optional<std::string> client_certificate_refusal(
    std::string_view reason, std::span<const std::pair<std::string, std::string>> properties);

}  // namespace kilp::io
