#include "net/client_address.hpp"

#include <algorithm>

namespace parley::net {

std::string client_address(const boost::asio::ip::address& peer, const HttpRequest& request,
                           const std::vector<boost::asio::ip::address>& trusted_proxies) {
  const auto as_seen = [&] {
    return peer.is_v6() && peer.to_v6().is_v4_mapped() ? boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, peer.to_v6()).to_string() : peer.to_string();
  };
  if (std::find(trusted_proxies.begin(), trusted_proxies.end(), peer) == trusted_proxies.end()) return as_seen();
  auto header = request.find("X-Forwarded-For");
  if (header == request.end()) return as_seen();
  std::string_view list = header->value();
  std::string_view last = list.substr(list.rfind(',') == std::string_view::npos ? 0 : list.rfind(',') + 1);
  while (!last.empty() && (last.front() == ' ' || last.front() == '\t')) last.remove_prefix(1);
  while (!last.empty() && (last.back() == ' ' || last.back() == '\t')) last.remove_suffix(1);
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(std::string(last), ec);
  return ec ? as_seen() : address.to_string();
}

}  // namespace parley::net
