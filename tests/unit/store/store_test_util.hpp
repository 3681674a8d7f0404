#pragma once
// Helpers for the store tests: a temporary directory per test and blocking wrappers that wait on the
// store's callbacks through futures (never sleeps).
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace parley::store::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its content on destruction.
class TempDir {
 public:
  TempDir() {
    std::filesystem::path base = std::filesystem::temp_directory_path() / "parley-store-XXXXXX";
    std::string pattern = base.string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // The path of a file `name` inside the directory.
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Calls `start(callback)` and blocks until the callback has delivered its result.
template <class T, class Start>
core::Result<T> wait_for(Start&& start) {
  auto promise = std::make_shared<std::promise<core::Result<T>>>();
  std::future<core::Result<T>> future = promise->get_future();
  start(Callback<T>([promise](core::Result<T> result) { promise->set_value(std::move(result)); }));
  return future.get();
}

// Blocking versions of every Store call, for tests that do one thing at a time.
class SyncStore {
 public:
  explicit SyncStore(Store& store) : store_(store) {}

  core::Result<User> create_user(const std::string& name, const std::string& hash = "hash") {
    return wait_for<User>([&](Callback<User> done) { store_.create_user(name, hash, std::move(done)); });
  }
  core::Result<UserCredentials> find_user(const std::string& name) {
    return wait_for<UserCredentials>([&](Callback<UserCredentials> done) { store_.find_user(name, std::move(done)); });
  }
  core::Result<User> find_user_by_id(int64_t id) {
    return wait_for<User>([&](Callback<User> done) { store_.find_user_by_id(id, std::move(done)); });
  }
  core::Result<int64_t> ensure_room(const std::string& room) {
    return wait_for<int64_t>([&](Callback<int64_t> done) { store_.ensure_room(room, std::move(done)); });
  }
  core::Result<std::vector<std::string>> list_rooms(const std::string& after = "", int limit = 1000) {
    return wait_for<std::vector<std::string>>(
        [&](Callback<std::vector<std::string>> done) { store_.list_rooms(after, limit, std::move(done)); });
  }
  core::Result<StoredMessage> append(NewMessage message) {
    return wait_for<StoredMessage>(
        [&](Callback<StoredMessage> done) { store_.append_message(std::move(message), std::move(done)); });
  }
  core::Result<std::vector<StoredMessage>> before(const std::string& room, std::optional<int64_t> before,
                                                  int limit) {
    return wait_for<std::vector<StoredMessage>>([&](Callback<std::vector<StoredMessage>> done) {
      store_.messages_before(room, before, limit, std::move(done));
    });
  }
  core::Result<std::vector<StoredMessage>> after(const std::string& room, int64_t after, int limit) {
    return wait_for<std::vector<StoredMessage>>([&](Callback<std::vector<StoredMessage>> done) {
      store_.messages_after(room, after, limit, std::move(done));
    });
  }
  core::Result<core::Unit> ping() {
    return wait_for<core::Unit>([&](Callback<core::Unit> done) { store_.ping(std::move(done)); });
  }

 private:
  Store& store_;
};

// A message for `room` with a unique `id`.
inline NewMessage make_message(const std::string& room, const std::string& id, const std::string& text = "hi") {
  NewMessage message;
  message.id = id;
  message.room = room;
  message.from_id = 1;
  message.from_name = "alice";
  message.text = text;
  message.ts = 1700000000000;
  return message;
}

// The seqs of `messages`, in order.
inline std::vector<int64_t> seqs(const std::vector<StoredMessage>& messages) {
  std::vector<int64_t> out;
  for (const StoredMessage& m : messages) out.push_back(m.seq);
  return out;
}

}  // namespace parley::store::testing
