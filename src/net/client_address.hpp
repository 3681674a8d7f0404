#pragma once
// The address a request comes from, for per-address limits (login failures, registrations, handshakes): the
// TCP peer's, or, when the peer is one of our trusted proxies (--trusted-proxy, e.g. nginx in front), the
// last hop that proxy appended to X-Forwarded-For. Only the last hop: the ones before it were written by the
// client and prove nothing.
// Thread safety: pure function.
#include <boost/asio/ip/address.hpp>
#include <string>
#include <vector>

#include "net/http_types.hpp"

namespace parley::net {

std::string client_address(const boost::asio::ip::address& peer, const HttpRequest& request,
                           const std::vector<boost::asio::ip::address>& trusted_proxies);

}  // namespace parley::net
