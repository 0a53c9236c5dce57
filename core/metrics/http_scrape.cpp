#include "metrics/http_scrape.hpp"

#include "metrics/metrics.hpp"

namespace portico::metrics {
namespace {

// "GET /metrics HTTP/1.1" -> its three parts, or false when the line does not have that shape.
bool split_request_line(std::string_view line, std::string_view& method, std::string_view& target,
                        std::string_view& version) {
  const auto first = line.find(' ');
  if (first == std::string_view::npos) return false;
  const auto second = line.find(' ', first + 1);
  if (second == std::string_view::npos || line.find(' ', second + 1) != std::string_view::npos) return false;
  method = line.substr(0, first);
  target = line.substr(first + 1, second - first - 1);
  version = line.substr(second + 1);
  return !method.empty() && !target.empty();
}

std::string response(std::string_view status, std::string_view content_type, std::string_view extra_header,
                     std::string_view body) {
  std::string out;
  out.reserve(160 + body.size());
  out.append("HTTP/1.1 ").append(status).append("\r\n");
  out.append("Content-Type: ").append(content_type).append("\r\n");
  out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  out.append(extra_header);
  out.append("Connection: close\r\n\r\n");
  out.append(body);
  return out;
}

}  // namespace

ScrapeRequest classify_request(std::string_view received) {
  auto line_end = received.find("\r\n");
  if (line_end == std::string_view::npos) line_end = received.find('\n');
  if (line_end == std::string_view::npos) {
    return received.size() >= kMaxRequestBytes ? ScrapeRequest::too_large : ScrapeRequest::incomplete;
  }
  std::string_view method, target, version;
  if (!split_request_line(received.substr(0, line_end), method, target, version) ||
      !version.starts_with("HTTP/1.")) {
    return ScrapeRequest::bad_request;
  }
  const bool headers_done =
      received.find("\r\n\r\n") != std::string_view::npos || received.find("\n\n") != std::string_view::npos;
  if (!headers_done) return received.size() >= kMaxRequestBytes ? ScrapeRequest::too_large : ScrapeRequest::incomplete;
  if (method != "GET") return ScrapeRequest::bad_method;
  const std::string_view path = target.substr(0, target.find('?'));
  return path == "/metrics" ? ScrapeRequest::metrics : ScrapeRequest::not_found;
}

std::string http_response(ScrapeRequest request, std::string_view body) {
  constexpr std::string_view kText = "text/plain; charset=utf-8";
  switch (request) {
    case ScrapeRequest::metrics: return response("200 OK", kContentType, "", body);
    case ScrapeRequest::not_found: return response("404 Not Found", kText, "", "not found: metrics are at /metrics\n");
    case ScrapeRequest::bad_method:
      return response("405 Method Not Allowed", kText, "Allow: GET\r\n", "only GET is served\n");
    case ScrapeRequest::too_large:
      return response("431 Request Header Fields Too Large", kText, "", "request larger than 8 KiB\n");
    case ScrapeRequest::bad_request:
    case ScrapeRequest::incomplete: break;
  }
  return response("400 Bad Request", kText, "", "not an HTTP/1.x request\n");
}

}  // namespace portico::metrics
