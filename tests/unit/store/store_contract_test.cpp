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
using testing::seqs;
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
  core::Result<RoomJoin> join(int64_t user_id, const std::string& room, int64_t max_created = 0) {
    return wait_for<RoomJoin>(
        [&](Callback<RoomJoin> done) { store_->join_room(user_id, room, max_created, std::move(done)); });
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

TEST_P(StoreContract, AppendAssignsSeqPerRoomIndependently) {
  EXPECT_EQ(sync().append(make_message("a", "a1"))->seq, 1);
  EXPECT_EQ(sync().append(make_message("a", "a2"))->seq, 2);
  EXPECT_EQ(sync().append(make_message("b", "b1"))->seq, 1);
  EXPECT_EQ(sync().append(make_message("a", "a3"))->seq, 3);
  EXPECT_EQ(sync().append(make_message("b", "b2"))->seq, 2);
}

TEST_P(StoreContract, CallbacksRunOnStoreThreads) {
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

TEST_P(StoreContract, CreatesAndFindsUsers) {
  auto alice = sync().create_user("alice", "hash-a");
  ASSERT_TRUE(alice.ok()) << alice.error().message;
  EXPECT_GT(alice->id, 0);
  EXPECT_EQ(alice->username, "alice");
  auto bob = sync().create_user("bob", "hash-b");
  ASSERT_TRUE(bob.ok());
  EXPECT_NE(bob->id, alice->id);

  auto found = sync().find_user("alice");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->user.id, alice->id);
  EXPECT_EQ(found->user.username, "alice");
  EXPECT_EQ(found->password_hash, "hash-a");

  auto by_id = sync().find_user_by_id(bob->id);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->username, "bob");
}

TEST_P(StoreContract, DuplicateUsernameIsConflict) {
  ASSERT_TRUE(sync().create_user("alice").ok());
  auto again = sync().create_user("alice", "other");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::conflict);
  EXPECT_NE(again.error().message.find("alice"), std::string::npos);
  // The first user is untouched.
  EXPECT_EQ(sync().find_user("alice")->password_hash, "hash");
}

TEST_P(StoreContract, EnsureRoomCreatesAndReportsLastSeq) {
  EXPECT_EQ(sync().ensure_room("lobby").value(), 0);
  EXPECT_EQ(sync().ensure_room("lobby").value(), 0);
  ASSERT_TRUE(sync().append(make_message("lobby", "m1")).ok());
  ASSERT_TRUE(sync().append(make_message("lobby", "m2")).ok());
  EXPECT_EQ(sync().ensure_room("lobby").value(), 2);
  // A room created by ensure_room continues at seq 1.
  EXPECT_EQ(sync().ensure_room("fresh").value(), 0);
  EXPECT_EQ(sync().append(make_message("fresh", "f1"))->seq, 1);
}

TEST_P(StoreContract, LimitIsClampedToOneThroughAThousand) {
  // 1005 appends queued at once; wait for the last callback only (they run in seq order).
  std::promise<int64_t> last;
  for (int i = 1; i <= 1005; ++i) {
    store_->append_message(make_message("r", "m" + std::to_string(i)), [&, i](core::Result<StoredMessage> stored) {
      if (i == 1005) last.set_value(stored.ok() ? stored->seq : -1);
    });
  }
  ASSERT_EQ(last.get_future().get(), 1005);
  EXPECT_EQ(sync().after("r", 0, 0)->size(), 1u);
  EXPECT_EQ(sync().after("r", 0, -3)->size(), 1u);
  EXPECT_EQ(sync().after("r", 0, 5000)->size(), 1000u);
  auto newest = sync().before("r", std::nullopt, 0);
  ASSERT_EQ(newest->size(), 1u);
  EXPECT_EQ(newest->front().seq, 1005);
  EXPECT_EQ(sync().before("r", std::nullopt, 1 << 30)->size(), 1000u);
}

TEST_P(StoreContract, MessagesAfterReturnsOldestAscending) {
  for (int i = 1; i <= 10; ++i) ASSERT_TRUE(sync().append(make_message("r", "m" + std::to_string(i))).ok());
  EXPECT_EQ(seqs(*sync().after("r", 0, 3)), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(seqs(*sync().after("r", 7, 100)), (std::vector<int64_t>{8, 9, 10}));
  EXPECT_TRUE(sync().after("r", 10, 100)->empty());
  EXPECT_TRUE(sync().after("nowhere", 0, 100)->empty());
}

TEST_P(StoreContract, MessagesBeforeReturnsNewestAscending) {
  for (int i = 1; i <= 10; ++i) ASSERT_TRUE(sync().append(make_message("r", "m" + std::to_string(i))).ok());
  ASSERT_TRUE(sync().append(make_message("other", "o1")).ok());

  auto newest = sync().before("r", std::nullopt, 3);
  ASSERT_TRUE(newest.ok());
  EXPECT_EQ(seqs(*newest), (std::vector<int64_t>{8, 9, 10}));
  EXPECT_EQ(newest->back().id, "m10");

  auto before = sync().before("r", 5, 3);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(seqs(*before), (std::vector<int64_t>{2, 3, 4}));

  auto near_start = sync().before("r", 3, 50);
  EXPECT_EQ(seqs(*near_start), (std::vector<int64_t>{1, 2}));

  auto everything = sync().before("r", std::nullopt, 100);
  EXPECT_EQ(everything->size(), 10u);
  EXPECT_EQ(everything->front().seq, 1);

  EXPECT_TRUE(sync().before("r", 1, 10)->empty());
  EXPECT_TRUE(sync().before("nowhere", std::nullopt, 10)->empty());
}

TEST_P(StoreContract, MissingUsersAreNotFound) {
  auto by_name = sync().find_user("nobody");
  ASSERT_FALSE(by_name.ok());
  EXPECT_EQ(by_name.error().code, ErrorCode::not_found);
  auto by_id = sync().find_user_by_id(4242);
  ASSERT_FALSE(by_id.ok());
  EXPECT_EQ(by_id.error().code, ErrorCode::not_found);
}

TEST_P(StoreContract, PingAnswers) { EXPECT_TRUE(sync().ping().ok()); }

TEST_P(StoreContract, AppendEchoesEveryFieldAndReadsItBack) {
  NewMessage message = make_message("room", "id-1", "héllo, wörld 👋 'quoted' \"and\" $1");
  message.from_id = 7;
  message.from_name = "carol";
  message.ts = 1234567890123;
  message.client_msg_id = "c-1";
  auto stored = sync().append(message);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_EQ(stored->seq, 1);
  EXPECT_EQ(stored->text, message.text);
  auto read = sync().after("room", 0, 10);
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read->size(), 1u);
  const StoredMessage& m = read->front();
  EXPECT_EQ(m.id, "id-1");
  EXPECT_EQ(m.room, "room");
  EXPECT_EQ(m.seq, 1);
  EXPECT_EQ(m.from_id, 7);
  EXPECT_EQ(m.from_name, "carol");
  EXPECT_EQ(m.text, message.text);
  EXPECT_EQ(m.ts, 1234567890123);
  EXPECT_EQ(m.client_msg_id, "c-1");
}

TEST_P(StoreContract, EmptyStringsStayEmptyNotNull) {
  NewMessage message = make_message("room", "id-1", "");
  message.from_name = "";
  ASSERT_TRUE(sync().append(message).ok());
  auto read = sync().after("room", 0, 10);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ(read->front().text, "");
  EXPECT_EQ(read->front().client_msg_id, "");
}

TEST_P(StoreContract, ListRoomsIsSortedByBytesAndIncludesEveryRoom) {
  EXPECT_TRUE(sync().list_rooms()->empty());
  ASSERT_TRUE(sync().ensure_room("zeta").ok());
  ASSERT_TRUE(sync().append(make_message("alpha", "m1")).ok());
  ASSERT_TRUE(sync().ensure_room("Mid").ok());
  ASSERT_TRUE(sync().ensure_room("alpha").ok());
  ASSERT_TRUE(sync().ensure_room("a_b").ok());
  // Byte order, as the SQLite store: upper case before lower case, whatever the database's locale.
  EXPECT_EQ(sync().list_rooms().value(), (std::vector<std::string>{"Mid", "a_b", "alpha", "zeta"}));
}

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
  EXPECT_EQ(seqs(*sync().after(dm, 0, 10)), (std::vector<int64_t>{1, 2, 3}));

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

TEST_P(StoreContract, ListRoomsPagesByName) {
  for (const char* room : {"d", "a", "c", "b", "e"}) ASSERT_TRUE(sync().ensure_room(room).ok());
  EXPECT_EQ(sync().list_rooms("", 2).value(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(sync().list_rooms("b", 2).value(), (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(sync().list_rooms("d", 2).value(), (std::vector<std::string>{"e"}));
  EXPECT_TRUE(sync().list_rooms("e", 2)->empty());
}

TEST_P(StoreContract, AUserCreatesAtMostTheCappedNumberOfRoomsButJoinsAnyExistingOne) {
  const int64_t alice = user("alice"), bob = user("bob");
  ASSERT_TRUE(join(alice, "one", 2).ok());
  ASSERT_TRUE(join(alice, "two", 2).ok());
  auto third = join(alice, "three", 2);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, ErrorCode::forbidden);
  EXPECT_EQ(sync().list_rooms().value(), (std::vector<std::string>{"one", "two"}));
  EXPECT_TRUE(join(alice, "one", 2).ok()) << "rejoining is no creation";
  ASSERT_TRUE(join(bob, "three", 2).ok());  // bob's own allowance
  EXPECT_TRUE(join(alice, "three", 2).ok()) << "joining a room someone else created";
  EXPECT_TRUE(join(alice, "four", 0).ok()) << "0: no cap";
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace parley::store
