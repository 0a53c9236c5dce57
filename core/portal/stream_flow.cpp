#include "portal/stream_flow.hpp"

namespace portico::portal {

bool StreamFlow::on_credit(std::uint32_t bytes) {
  send_credit_ += bytes;
  return send_credit_ <= peer_window_;
}

bool StreamFlow::on_data(std::size_t bytes) {
  if (bytes > granted_) return false;
  granted_ -= bytes;
  unwritten_ += bytes;
  return true;
}

std::uint32_t StreamFlow::on_written(std::size_t bytes) {
  if (bytes > unwritten_) bytes = unwritten_;
  unwritten_ -= bytes;
  owed_ += bytes;
  if (owed_ < window_ / 4) return 0;
  const auto credit = static_cast<std::uint32_t>(owed_);
  granted_ += owed_;
  owed_ = 0;
  return credit;
}

}  // namespace portico::portal
