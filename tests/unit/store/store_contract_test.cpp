// The Store contract (store/store.hpp), one suite run against every backend: SQLite always, PostgreSQL when
// PARLEY_TEST_POSTGRES_URL names a server (scripts/with-postgres). Behaviour both backends must share goes
// here; what only one of them does (locking, reconnection, migrations of its own files) stays in its own file.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "postgres_test_util.hpp"
#include "store/postgres_store.hpp"
#include "store/sqlite_store.hpp"
#include "store_test_util.hpp"

namespace parley::store {
namespace {

using testing::wait_for;

// One backend's database, opened as many times as a test wants (several nodes sharing one store).
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::unique_ptr<Store> open() = 0;
};

class SqliteBackend final : public Backend {
 public:
  std::unique_ptr<Store> open() override {
    auto opened = SqliteStore::open(dir_.file("parley.db"));
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(*opened) : nullptr;
  }

 private:
  testing::TempDir dir_;
};

class PostgresBackend final : public Backend {
 public:
  std::unique_ptr<Store> open() override {
    auto opened = PostgresStore::open(db_.url(), {});
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(*opened) : nullptr;
  }

 private:
  testing::TestDatabase db_;
};

class StoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      PARLEY_REQUIRE_POSTGRES();
      backend_ = std::make_unique<PostgresBackend>();
    } else {
      backend_ = std::make_unique<SqliteBackend>();
    }
    store_ = backend_->open();
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    stores_.clear();
    store_.reset();  // before the database goes
    backend_.reset();
  }

  // Another process's view of the same database.
  Store& another_node() { return *stores_.emplace_back(backend_->open()); }

  static core::Result<std::string> keep(Store& store, const std::string& name, const std::string& value) {
    return wait_for<std::string>([&](Callback<std::string> done) { store.keep_setting(name, value, std::move(done)); });
  }

  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Store> store_;
  std::vector<std::unique_ptr<Store>> stores_;
};

TEST_P(StoreContract, KeepSettingStoresTheFirstValueAndAnswersItAfterwards) {
  EXPECT_EQ(keep(*store_, "jwt_secret", "first").value(), "first");
  EXPECT_EQ(keep(*store_, "jwt_secret", "second").value(), "first");
  EXPECT_EQ(keep(*store_, "other", "x").value(), "x");
}

TEST_P(StoreContract, KeptSettingsSurviveReopening) {
  ASSERT_EQ(keep(*store_, "jwt_secret", "first").value(), "first");
  store_.reset();
  store_ = backend_->open();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(keep(*store_, "jwt_secret", "after restart").value(), "first");
}

TEST_P(StoreContract, NodesStartingTogetherAgreeOnOneSetting) {
  constexpr int kNodes = 4;
  std::vector<Store*> nodes{store_.get()};
  for (int i = 1; i < kNodes; ++i) nodes.push_back(&another_node());
  std::vector<std::optional<core::Result<std::string>>> kept(kNodes);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kNodes; ++i)
      threads.emplace_back([&, i] { kept[i] = keep(*nodes[i], "jwt_secret", "node-" + std::to_string(i)); });
  }
  ASSERT_TRUE(kept[0]->ok()) << kept[0]->error().message;
  for (int i = 1; i < kNodes; ++i) {
    ASSERT_TRUE(kept[i]->ok()) << kept[i]->error().message;
    EXPECT_EQ(kept[i]->value(), kept[0]->value());
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace parley::store
