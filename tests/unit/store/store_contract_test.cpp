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

using core::ErrorCode;
using testing::make_message;
using testing::SyncStore;
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

  SyncStore sync() { return SyncStore(*store_); }
  int64_t user(const std::string& name) {
    auto made = sync().create_user(name);
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made.ok() ? made->id : 0;
  }
  // A message from `from` to `room` (a room name or a conversation key).
  static NewMessage message(const std::string& room, int64_t from, const std::string& id,
                            const std::string& client_msg_id = "", int64_t ts = 1'000'000) {
    NewMessage m = make_message(room, id);
    m.from_id = from;
    m.client_msg_id = client_msg_id;
    m.ts = ts;
    return m;
  }
  core::Result<RoomJoin> join(int64_t user_id, const std::string& room) {
    return wait_for<RoomJoin>([&](Callback<RoomJoin> done) { store_->join_room(user_id, room, std::move(done)); });
  }
  core::Result<core::Unit> leave(int64_t user_id, const std::string& room) {
    return wait_for<core::Unit>([&](Callback<core::Unit> done) { store_->leave_room(user_id, room, std::move(done)); });
  }
  std::vector<ReadState> rooms_of(int64_t user_id) {
    auto rooms = wait_for<std::vector<ReadState>>(
        [&](Callback<std::vector<ReadState>> done) { store_->user_rooms(user_id, std::move(done)); });
    EXPECT_TRUE(rooms.ok()) << rooms.error().message;
    return rooms.ok() ? *rooms : std::vector<ReadState>{};
  }
  std::vector<Conversation> conversations_of(int64_t user_id) {
    auto list = wait_for<std::vector<Conversation>>(
        [&](Callback<std::vector<Conversation>> done) { store_->conversations(user_id, std::move(done)); });
    EXPECT_TRUE(list.ok()) << list.error().message;
    return list.ok() ? *list : std::vector<Conversation>{};
  }
  int64_t mark(int64_t user_id, const std::string& room, int64_t seq) {
    auto marked = wait_for<int64_t>(
        [&](Callback<int64_t> done) { store_->mark_read(user_id, room, seq, std::move(done)); });
    EXPECT_TRUE(marked.ok()) << marked.error().message;
    return marked.ok() ? *marked : -1;
  }

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

TEST_P(StoreContract, ConversationKeysNameTheUnorderedPair) {
  EXPECT_EQ(conversation_key(7, 3), "dm:3:7");
  EXPECT_EQ(conversation_key(3, 7), "dm:3:7");
  EXPECT_EQ(conversation_users("dm:3:7"), (std::pair<int64_t, int64_t>{3, 7}));
  for (const char* bad : {"general", "dm:", "dm:7:3", "dm:a:3", "dm:3:", "dm:3:7:9", "dm:-1:3"})
    EXPECT_FALSE(conversation_users(bad).has_value()) << bad;
}

TEST_P(StoreContract, AConversationHasOneSeqForBothDirectionsAndIsListedForBoth) {
  const int64_t alice = user("alice"), bob = user("bob");
  const std::string dm = conversation_key(alice, bob);
  EXPECT_EQ(sync().append(message(dm, alice, "m1", "", 1000))->seq, 1);
  EXPECT_EQ(sync().append(message(dm, bob, "m2", "", 2000))->seq, 2);
  EXPECT_EQ(sync().append(message(dm, alice, "m3", "", 3000))->seq, 3);
  EXPECT_EQ(testing::seqs(*sync().after(dm, 0, 10)), (std::vector<int64_t>{1, 2, 3}));

  auto of_alice = conversations_of(alice);
  ASSERT_EQ(of_alice.size(), 1u);
  EXPECT_EQ(of_alice[0].with.id, bob);
  EXPECT_EQ(of_alice[0].with.username, "bob");
  EXPECT_EQ(of_alice[0].state.room, dm);
  EXPECT_EQ(of_alice[0].state.last_seq, 3);
  EXPECT_EQ(of_alice[0].state.unread, 1);  // bob's m2; her own never count
  EXPECT_EQ(of_alice[0].last.id, "m3");
  auto of_bob = conversations_of(bob);
  ASSERT_EQ(of_bob.size(), 1u);
  EXPECT_EQ(of_bob[0].with.id, alice);
  EXPECT_EQ(of_bob[0].state.unread, 2);
  // Conversations are not rooms anyone can list.
  EXPECT_EQ(sync().list_rooms().value(), std::vector<std::string>{});
}

TEST_P(StoreContract, ConversationsComeNewestFirst) {
  const int64_t alice = user("alice"), bob = user("bob"), carol = user("carol");
  ASSERT_TRUE(sync().append(message(conversation_key(alice, bob), bob, "old", "", 1000)).ok());
  ASSERT_TRUE(sync().append(message(conversation_key(alice, carol), carol, "new", "", 2000)).ok());
  auto list = conversations_of(alice);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].with.id, carol);
  EXPECT_EQ(list[1].with.id, bob);
  EXPECT_TRUE(conversations_of(user("dave")).empty());
}

TEST_P(StoreContract, ARepeatedClientMsgIdStoresNothingAndAnswersTheFirstMessage) {
  const int64_t alice = user("alice"), bob = user("bob");
  auto first = sync().append(message("general", alice, "m1", "key-1"));
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_FALSE(first->replayed);
  // The same key again, even in another room or a conversation: the first message, nothing stored.
  for (const std::string& room : {std::string("general"), std::string("other"), conversation_key(alice, bob)}) {
    auto again = sync().append(message(room, alice, "m-again-" + room, "key-1"));
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_TRUE(again->replayed);
    EXPECT_EQ(again->id, "m1");
    EXPECT_EQ(again->room, "general");
    EXPECT_EQ(again->seq, 1);
    EXPECT_EQ(again->ts, first->ts);
  }
  EXPECT_EQ(sync().after("general", 0, 10)->size(), 1u);
  EXPECT_TRUE(sync().after("other", 0, 10)->empty());
  EXPECT_TRUE(conversations_of(alice).empty());
  // Keys are per user.
  auto bobs = sync().append(message("general", bob, "m2", "key-1"));
  ASSERT_TRUE(bobs.ok());
  EXPECT_FALSE(bobs->replayed);
  EXPECT_EQ(bobs->seq, 2);
  // The next fresh message continues the seqs (the replays used none).
  EXPECT_EQ(sync().append(message("general", alice, "m3", "key-2"))->seq, 3);
}

TEST_P(StoreContract, AKeyOlderThanTheWindowIsFreeAgainAndPruningForgetsIt) {
  const int64_t alice = user("alice");
  const int64_t day_one = 1'000'000'000;
  ASSERT_TRUE(sync().append(message("general", alice, "m1", "key", day_one)).ok());
  auto later = sync().append(message("general", alice, "m2", "key", day_one + kIdempotencyWindowMs + 1));
  ASSERT_TRUE(later.ok());
  EXPECT_FALSE(later->replayed);
  EXPECT_EQ(later->seq, 2);
  ASSERT_TRUE(sync().append(message("general", alice, "m3", "other-key", day_one)).ok());
  auto pruned = wait_for<int64_t>([&](Callback<int64_t> done) {
    store_->prune_idempotency_keys(day_one + 1, std::move(done));
  });
  EXPECT_EQ(pruned.value(), 1);  // other-key, recorded at day_one; key was renewed later
  EXPECT_FALSE(sync().append(message("general", alice, "m4", "other-key", day_one + 5))->replayed);
  EXPECT_TRUE(sync().append(message("general", alice, "m5", "key", day_one + kIdempotencyWindowMs + 2))->replayed);
}

TEST_P(StoreContract, ConcurrentResendsFromTwoNodesStoreOneMessage) {
  const int64_t alice = user("alice");
  Store& other = another_node();
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    const std::string key = "key-" + std::to_string(round);
    std::optional<core::Result<StoredMessage>> a, b;
    {
      std::jthread first([&] { a = SyncStore(*store_).append(message("general", alice, key + "-a", key)); });
      std::jthread second([&] { b = SyncStore(other).append(message("general", alice, key + "-b", key)); });
    }
    ASSERT_TRUE(a->ok()) << a->error().message;
    ASSERT_TRUE(b->ok()) << b->error().message;
    EXPECT_EQ((*a)->id, (*b)->id);
    EXPECT_NE((*a)->replayed, (*b)->replayed);
  }
  EXPECT_EQ(sync().after("general", 0, 1000)->size(), static_cast<size_t>(kRounds));
}

TEST_P(StoreContract, JoinedRoomsFollowTheUserUntilLeft) {
  const int64_t alice = user("alice"), bob = user("bob");
  ASSERT_TRUE(sync().append(message("general", bob, "m1")).ok());
  auto joined = join(alice, "general");
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  EXPECT_EQ(joined->last_seq, 1);
  EXPECT_EQ(joined->read_seq, 0);
  ASSERT_TRUE(join(alice, "random").ok());  // a new room
  ASSERT_TRUE(join(alice, "general").ok());  // again: still one entry
  auto rooms = rooms_of(alice);
  ASSERT_EQ(rooms.size(), 2u);
  EXPECT_EQ(rooms[0].room, "general");
  EXPECT_EQ(rooms[0].last_seq, 1);
  EXPECT_EQ(rooms[0].unread, 1);
  EXPECT_EQ(rooms[1].room, "random");
  EXPECT_TRUE(rooms_of(bob).empty());
  ASSERT_TRUE(leave(alice, "general").ok());
  ASSERT_TRUE(leave(alice, "never-joined").ok());
  rooms = rooms_of(alice);
  ASSERT_EQ(rooms.size(), 1u);
  EXPECT_EQ(rooms[0].room, "random");
}

TEST_P(StoreContract, ReadMarkersNeverMoveBackAndStopAtTheLastSeq) {
  const int64_t alice = user("alice"), bob = user("bob");
  for (int i = 1; i <= 4; ++i) ASSERT_TRUE(sync().append(message("general", bob, "m" + std::to_string(i))).ok());
  ASSERT_TRUE(sync().append(message("general", alice, "mine")).ok());  // seq 5, hers
  ASSERT_TRUE(join(alice, "general").ok());
  EXPECT_EQ(mark(alice, "general", 2), 2);
  EXPECT_EQ(mark(alice, "general", 1), 2);    // never back
  EXPECT_EQ(rooms_of(alice)[0].unread, 2);    // bob's 3 and 4; her own 5 does not count
  EXPECT_EQ(join(alice, "general")->read_seq, 2);
  EXPECT_EQ(mark(alice, "general", 99), 5);   // clamped to the last seq
  EXPECT_EQ(rooms_of(alice)[0].unread, 0);
  EXPECT_EQ(mark(alice, "no-such-room", 3), 0);

  const std::string dm = conversation_key(alice, bob);
  ASSERT_TRUE(sync().append(message(dm, bob, "d1")).ok());
  ASSERT_TRUE(sync().append(message(dm, bob, "d2")).ok());
  EXPECT_EQ(conversations_of(alice)[0].state.unread, 2);
  EXPECT_EQ(mark(alice, dm, 1), 1);
  EXPECT_EQ(conversations_of(alice)[0].state.read_seq, 1);
  EXPECT_EQ(conversations_of(alice)[0].state.unread, 1);
  EXPECT_EQ(conversations_of(bob)[0].state.read_seq, 0);  // markers are per user
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace parley::store
