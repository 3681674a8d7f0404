#pragma once
// StaticFiles: the built web client (web/dist), read into memory once at start-up so serving it never
// touches the disk from a network loop. `/` is index.html; any other unknown path is not found.
// Thread safety: immutable after load(); serve freely from any thread.
#include <optional>
#include <string>
#include <unordered_map>

#include "net/http_types.hpp"

namespace parley::api {

class StaticFiles {
 public:
  // Loads every file under `root` (missing root: nothing, and `/` explains how to build the client).
  void load(const std::string& root);
  // The response for a GET of `path`, or nothing if no file matches.
  std::optional<net::HttpResponse> serve(std::string_view path) const;
  size_t size() const { return files_.size(); }

 private:
  struct File {
    std::string content_type;
    std::string body;
  };
  std::unordered_map<std::string, File> files_;
};

}  // namespace parley::api
