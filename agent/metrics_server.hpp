#pragma once
// The HTTP shell around metrics/http_scrape.hpp: serves GET /metrics on a listening socket the caller owns.
// One request per connection (answered, then closed); at most kMaxRequestBytes read, kRequestDeadline for the
// request to arrive, kScrapeDeadline for the whole exchange, kMaxScrapeConnections at once. When all are taken, a
// newcomer closes the oldest connection that has not sent its request yet, so idle connections cannot keep a
// scraper out: a stuck or hostile client holds one small buffer for a second or two at most.
//
// Thread safety: none; the node's one io_context thread.

#include <chrono>
#include <functional>
#include <string>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

namespace portico::agent {

inline constexpr auto kScrapeDeadline = std::chrono::seconds(5);
inline constexpr auto kRequestDeadline = std::chrono::seconds(2);
inline constexpr int kMaxScrapeConnections = 8;

// Accepts until the acceptor is closed; `render` makes the exposition text for each scrape.
asio::awaitable<void> serve_metrics(asio::ip::tcp::acceptor& acceptor, std::function<std::string()> render);

}  // namespace portico::agent
