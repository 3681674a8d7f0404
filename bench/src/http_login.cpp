#include "http_login.hpp"

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace bench {

namespace asio = boost::asio;
using asio::ip::tcp;

std::pair<int, std::string> http_request(const Target& server, const std::string& method, const std::string& path,
                                         const std::string& body) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address(server.host), server.port));
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: " + server.host + ":" + std::to_string(server.port) +
                    "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\nConnection: close\r\n\r\n" + body;
  asio::write(socket, asio::buffer(req));
  std::string resp;
  boost::system::error_code ec;
  asio::read(socket, asio::dynamic_buffer(resp), ec);  // until the server closes
  if (resp.size() < 12) throw std::runtime_error("empty HTTP response from " + server.host);
  int status = std::stoi(resp.substr(9, 3));
  auto pos = resp.find("\r\n\r\n");
  std::string payload = pos == std::string::npos ? "" : resp.substr(pos + 4);
  // Tolerate a chunked body: keep what lies between the first chunk header and the terminating chunk.
  if (resp.find("Transfer-Encoding: chunked") != std::string::npos && !payload.empty()) {
    auto line = payload.find("\r\n");
    auto end = payload.rfind("\r\n0\r\n");
    if (line != std::string::npos && end != std::string::npos && end > line) payload = payload.substr(line + 2, end - line - 2);
  }
  return {status, payload};
}

std::vector<Account> login_users(const Target& server, const std::string& prefix, size_t count,
                                 const std::string& password, size_t threads) {
  std::vector<Account> accounts(count);
  std::atomic<size_t> next{0};
  std::mutex error_mutex;
  std::string error;
  auto work = [&] {
    for (size_t i = next++; i < count; i = next++) {
      try {
        std::string name = prefix + std::to_string(i);
        std::string creds = boost::json::serialize(boost::json::object{{"username", name}, {"password", password}});
        auto [rs, rb] = http_request(server, "POST", "/api/auth/register", creds);
        if (rs != 201 && rs != 409) throw std::runtime_error("register " + name + ": " + std::to_string(rs) + " " + rb);
        auto [ls, lb] = http_request(server, "POST", "/api/auth/login", creds);
        if (ls != 200) throw std::runtime_error("login " + name + ": " + std::to_string(ls) + " " + lb);
        auto v = boost::json::parse(lb).as_object();
        accounts[i].token = std::string(v.at("token").as_string());
        accounts[i].id = v.at("user").as_object().at("id").to_number<int64_t>();
        accounts[i].username = name;
      } catch (const std::exception& e) {
        std::lock_guard lock(error_mutex);
        if (error.empty()) error = e.what();
        next = count;
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 0; t < std::max<size_t>(1, threads); ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  if (!error.empty()) throw std::runtime_error(error);
  return accounts;
}

}  // namespace bench
