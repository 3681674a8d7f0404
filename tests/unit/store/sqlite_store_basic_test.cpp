// Single-threaded behaviour of SqliteStore: users, rooms, appends and history queries.
#include <gtest/gtest.h>

#include <thread>

#include "store/sqlite_store.hpp"
#include "store_test_util.hpp"

namespace parley::store {
namespace {

using core::ErrorCode;
using testing::make_message;
using testing::seqs;
using testing::SyncStore;
using testing::TempDir;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    auto opened = SqliteStore::open(dir_.file("parley.db"));
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    sync_.emplace(*store_);
  }

  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
  std::optional<SyncStore> sync_;
};

TEST_F(SqliteStoreTest, CreatesAndFindsUsers) {
  auto alice = sync_->create_user("alice", "hash-a");
  ASSERT_TRUE(alice.ok()) << alice.error().message;
  EXPECT_GT(alice->id, 0);
  EXPECT_EQ(alice->username, "alice");
  auto bob = sync_->create_user("bob", "hash-b");
  ASSERT_TRUE(bob.ok());
  EXPECT_NE(bob->id, alice->id);

  auto found = sync_->find_user("alice");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->user.id, alice->id);
  EXPECT_EQ(found->user.username, "alice");
  EXPECT_EQ(found->password_hash, "hash-a");

  auto by_id = sync_->find_user_by_id(bob->id);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->username, "bob");
}

TEST_F(SqliteStoreTest, DuplicateUsernameIsConflict) {
  ASSERT_TRUE(sync_->create_user("alice").ok());
  auto again = sync_->create_user("alice", "other");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::conflict);
  EXPECT_NE(again.error().message.find("alice"), std::string::npos);
  // The first user is untouched.
  EXPECT_EQ(sync_->find_user("alice")->password_hash, "hash");
}

TEST_F(SqliteStoreTest, MissingUsersAreNotFound) {
  auto by_name = sync_->find_user("nobody");
  ASSERT_FALSE(by_name.ok());
  EXPECT_EQ(by_name.error().code, ErrorCode::not_found);
  auto by_id = sync_->find_user_by_id(4242);
  ASSERT_FALSE(by_id.ok());
  EXPECT_EQ(by_id.error().code, ErrorCode::not_found);
}

TEST_F(SqliteStoreTest, AppendAssignsSeqPerRoomIndependently) {
  EXPECT_EQ(sync_->append(make_message("a", "a1"))->seq, 1);
  EXPECT_EQ(sync_->append(make_message("a", "a2"))->seq, 2);
  EXPECT_EQ(sync_->append(make_message("b", "b1"))->seq, 1);
  EXPECT_EQ(sync_->append(make_message("a", "a3"))->seq, 3);
  EXPECT_EQ(sync_->append(make_message("b", "b2"))->seq, 2);
}

TEST_F(SqliteStoreTest, AppendEchoesEveryField) {
  NewMessage message = make_message("room", "id-1", "héllo, wörld");
  message.from_id = 7;
  message.from_name = "carol";
  message.ts = 123456789;
  message.client_msg_id = "c-1";
  auto stored = sync_->append(message);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_EQ(stored->id, "id-1");
  EXPECT_EQ(stored->room, "room");
  EXPECT_EQ(stored->seq, 1);
  EXPECT_EQ(stored->from_id, 7);
  EXPECT_EQ(stored->from_name, "carol");
  EXPECT_EQ(stored->text, "héllo, wörld");
  EXPECT_EQ(stored->ts, 123456789);
  EXPECT_EQ(stored->client_msg_id, "c-1");

  auto read = sync_->after("room", 0, 10);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->size(), 1u);
  const StoredMessage& m = read->front();
  EXPECT_EQ(m.id, "id-1");
  EXPECT_EQ(m.room, "room");
  EXPECT_EQ(m.seq, 1);
  EXPECT_EQ(m.from_id, 7);
  EXPECT_EQ(m.from_name, "carol");
  EXPECT_EQ(m.text, "héllo, wörld");
  EXPECT_EQ(m.ts, 123456789);
  EXPECT_EQ(m.client_msg_id, "c-1");
}

TEST_F(SqliteStoreTest, EmptyStringsStayEmptyNotNull) {
  NewMessage message = make_message("room", "id-1", "");
  message.from_name = "";
  ASSERT_TRUE(sync_->append(message).ok());
  auto read = sync_->after("room", 0, 10);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ(read->front().text, "");
  EXPECT_EQ(read->front().client_msg_id, "");
}

TEST_F(SqliteStoreTest, DuplicateMessageIdIsConflictAndUsesNoSeq) {
  ASSERT_EQ(sync_->append(make_message("r", "m1"))->seq, 1);
  auto dup = sync_->append(make_message("r", "m1"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::conflict);
  EXPECT_EQ(sync_->append(make_message("r", "m2"))->seq, 2);
  EXPECT_EQ(sync_->ensure_room("r").value(), 2);
}

TEST_F(SqliteStoreTest, MessagesBeforeReturnsNewestAscending) {
  for (int i = 1; i <= 10; ++i) ASSERT_TRUE(sync_->append(make_message("r", "m" + std::to_string(i))).ok());
  ASSERT_TRUE(sync_->append(make_message("other", "o1")).ok());

  auto newest = sync_->before("r", std::nullopt, 3);
  ASSERT_TRUE(newest.ok());
  EXPECT_EQ(seqs(*newest), (std::vector<int64_t>{8, 9, 10}));
  EXPECT_EQ(newest->back().id, "m10");

  auto before = sync_->before("r", 5, 3);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(seqs(*before), (std::vector<int64_t>{2, 3, 4}));

  auto near_start = sync_->before("r", 3, 50);
  EXPECT_EQ(seqs(*near_start), (std::vector<int64_t>{1, 2}));

  auto everything = sync_->before("r", std::nullopt, 100);
  EXPECT_EQ(everything->size(), 10u);
  EXPECT_EQ(everything->front().seq, 1);

  EXPECT_TRUE(sync_->before("r", 1, 10)->empty());
  EXPECT_TRUE(sync_->before("nowhere", std::nullopt, 10)->empty());
}

TEST_F(SqliteStoreTest, MessagesAfterReturnsOldestAscending) {
  for (int i = 1; i <= 10; ++i) ASSERT_TRUE(sync_->append(make_message("r", "m" + std::to_string(i))).ok());
  EXPECT_EQ(seqs(*sync_->after("r", 0, 3)), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(seqs(*sync_->after("r", 7, 100)), (std::vector<int64_t>{8, 9, 10}));
  EXPECT_TRUE(sync_->after("r", 10, 100)->empty());
  EXPECT_TRUE(sync_->after("nowhere", 0, 100)->empty());
}

TEST_F(SqliteStoreTest, LimitIsClampedToOneThroughAThousand) {
  // 1005 appends queued at once; wait for the last callback only (they run in seq order).
  std::promise<int64_t> last;
  for (int i = 1; i <= 1005; ++i) {
    store_->append_message(make_message("r", "m" + std::to_string(i)), [&, i](core::Result<StoredMessage> stored) {
      if (i == 1005) last.set_value(stored.ok() ? stored->seq : -1);
    });
  }
  ASSERT_EQ(last.get_future().get(), 1005);
  EXPECT_EQ(sync_->after("r", 0, 0)->size(), 1u);
  EXPECT_EQ(sync_->after("r", 0, -3)->size(), 1u);
  EXPECT_EQ(sync_->after("r", 0, 5000)->size(), 1000u);
  auto newest = sync_->before("r", std::nullopt, 0);
  ASSERT_EQ(newest->size(), 1u);
  EXPECT_EQ(newest->front().seq, 1005);
  EXPECT_EQ(sync_->before("r", std::nullopt, 1 << 30)->size(), 1000u);
}

TEST_F(SqliteStoreTest, EnsureRoomCreatesAndReportsLastSeq) {
  EXPECT_EQ(sync_->ensure_room("lobby").value(), 0);
  EXPECT_EQ(sync_->ensure_room("lobby").value(), 0);
  ASSERT_TRUE(sync_->append(make_message("lobby", "m1")).ok());
  ASSERT_TRUE(sync_->append(make_message("lobby", "m2")).ok());
  EXPECT_EQ(sync_->ensure_room("lobby").value(), 2);
  // A room created by ensure_room continues at seq 1.
  EXPECT_EQ(sync_->ensure_room("fresh").value(), 0);
  EXPECT_EQ(sync_->append(make_message("fresh", "f1"))->seq, 1);
}

TEST_F(SqliteStoreTest, ListRoomsIsSortedAndIncludesEveryRoom) {
  EXPECT_TRUE(sync_->list_rooms()->empty());
  ASSERT_TRUE(sync_->ensure_room("zeta").ok());
  ASSERT_TRUE(sync_->append(make_message("alpha", "m1")).ok());
  ASSERT_TRUE(sync_->ensure_room("mid").ok());
  ASSERT_TRUE(sync_->ensure_room("alpha").ok());
  EXPECT_EQ(sync_->list_rooms().value(), (std::vector<std::string>{"alpha", "mid", "zeta"}));
}

TEST_F(SqliteStoreTest, PingAnswers) { EXPECT_TRUE(sync_->ping().ok()); }

TEST_F(SqliteStoreTest, CallbacksRunOnStoreThreads) {
  const std::thread::id caller = std::this_thread::get_id();
  auto write_thread = testing::wait_for<std::thread::id>([&](Callback<std::thread::id> done) {
    store_->create_user("alice", "h", [done](core::Result<User>) { done(std::this_thread::get_id()); });
  });
  auto read_thread = testing::wait_for<std::thread::id>([&](Callback<std::thread::id> done) {
    store_->ping([done](core::Result<core::Unit>) { done(std::this_thread::get_id()); });
  });
  EXPECT_NE(*write_thread, caller);
  EXPECT_NE(*read_thread, caller);
  EXPECT_NE(*read_thread, *write_thread);
}

}  // namespace
}  // namespace parley::store
