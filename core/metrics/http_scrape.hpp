#pragma once
// The HTTP/1.1 a Prometheus scrape needs, as pure functions: classify the bytes received so far, and write the
// whole response. The agent's asio shell reads at most kMaxRequestBytes, answers once and closes (every response
// says "Connection: close"), so nothing here keeps state between requests.
//
//   GET /metrics HTTP/1.1 (any query, any headers)  -> 200 with the exposition
//   GET /anything-else                              -> 404      other methods -> 405
//   no request line / not HTTP/1.x                  -> 400      no blank line within kMaxRequestBytes -> 431

#include <cstddef>
#include <string>
#include <string_view>

namespace portico::metrics {

inline constexpr std::size_t kMaxRequestBytes = 8 * 1024;

enum class ScrapeRequest { incomplete, metrics, not_found, bad_method, bad_request, too_large };

// What `received` (the bytes read from the connection so far) asks for; `incomplete` until the blank line that
// ends the headers has arrived, unless the request is already known to be bad or too large.
ScrapeRequest classify_request(std::string_view received);

// The complete response for `request` (not `incomplete`); `body` is used only for `metrics`.
std::string http_response(ScrapeRequest request, std::string_view body);

}  // namespace portico::metrics
