#include "api/static_files.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace parley::api {

namespace fs = std::filesystem;
namespace http = boost::beast::http;

namespace {
std::string content_type_of(const fs::path& p) {
  static const std::unordered_map<std::string, std::string> types{
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
      {".png", "image/png"},                 {".ico", "image/x-icon"},
      {".json", "application/json"},         {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"}, {".map", "application/json"}};
  auto it = types.find(p.extension().string());
  return it == types.end() ? "application/octet-stream" : it->second;
}
}  // namespace

void StaticFiles::load(const std::string& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    std::string rel = "/" + fs::relative(it->path(), root).generic_string();
    files_[rel] = {content_type_of(it->path()), body.str()};
  }
}

std::optional<net::HttpResponse> StaticFiles::serve(std::string_view path) const {
  auto it = files_.find(std::string(path));
  if (path == "/") it = files_.find("/index.html");
  if (it == files_.end()) return std::nullopt;
  net::HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, it->second.content_type);
  // Vite names built assets by content hash, so they may be cached for good; the page itself may not.
  res.set(http::field::cache_control,
          path.starts_with("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
  res.body() = it->second.body;
  res.prepare_payload();
  return res;
}

}  // namespace parley::api
