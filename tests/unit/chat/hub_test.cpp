#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "chat/channels.hpp"
#include "chat/delivery.hpp"
#include "chat/hub.hpp"
#include "chat/inbox.hpp"
#include "store/store.hpp"

using namespace parley::chat;

namespace {

// A Session that records what the Hub pushes to it (the transport's side of the interface).
class RecordingSession final : public Session {
 public:
  // Connection "n:<connection>".
  RecordingSession(boost::asio::io_context& io, uint64_t connection, int64_t user)
      : Session(0, ConnectionId(node_id, connection), Identity{user, "u" + std::to_string(user), 0}),
        ex_(io.get_executor()) {}
  static inline const std::string node_id = "n";
  const LoopExecutor& executor() const override { return ex_; }
  LoopExecutor ex_;
  void push(const DeliveryPtr& d) override { pushed.push_back(d); }
  void reply_ok(const parley::protocol::Request&, std::string_view) override {}
  void reply_error(const parley::protocol::Request&, const parley::core::Error&) override {}
  void close(uint16_t code, std::string_view) override { closed_with = code; }
  bool is_open() const override { return closed_with == 0; }
  size_t queued_bytes() const override { return 0; }
  void when_drained(size_t, std::function<void()> fn) override { fn(); }

  std::vector<DeliveryPtr> pushed;
  uint16_t closed_with = 0;
};

DeliveryPtr room_message(const std::string& room, int64_t seq) {
  auto d = decode_envelope(encode_envelope({.event = "message:received", .data_json = "{}", .room = room, .seq = seq}));
  return std::make_shared<const Delivery>(std::move(*d));
}

}  // namespace

TEST(Hub, AddAndRemoveReportFirstAndLastOnThisLoop) {
  boost::asio::io_context io;
  auto a = std::make_shared<RecordingSession>(io, 1, 1);
  auto b = std::make_shared<RecordingSession>(io, 2, 2);
  Hub hub;
  EXPECT_TRUE(hub.add("room:x", a.get()));
  EXPECT_FALSE(hub.add("room:x", b.get()));
  EXPECT_FALSE(hub.add("room:x", b.get())) << "adding twice is harmless";
  EXPECT_FALSE(hub.remove("room:x", a.get()));
  EXPECT_TRUE(hub.remove("room:x", b.get()));
  EXPECT_FALSE(hub.remove("room:x", b.get())) << "removing twice is harmless";
}

TEST(Hub, SharesOneDeliveryAndHonoursExclusions) {
  boost::asio::io_context io;
  auto a = std::make_shared<RecordingSession>(io, 1, 1);
  auto a2 = std::make_shared<RecordingSession>(io, 2, 1);
  auto b = std::make_shared<RecordingSession>(io, 3, 2);
  Hub hub;
  for (auto* s : {a.get(), a2.get(), b.get()}) hub.add("user:x", s);

  auto everyone = make_delivery("note", "{}");
  hub.deliver("user:x", everyone);
  ASSERT_EQ(b->pushed.size(), 1u);
  EXPECT_EQ(b->pushed[0].get(), everyone.get()) << "the same buffer, not a copy";

  auto others = std::make_shared<Delivery>(*everyone);
  others->exclude_user = 1;
  hub.deliver("user:x", others);
  EXPECT_EQ(a->pushed.size(), 1u);
  EXPECT_EQ(a2->pushed.size(), 1u);
  EXPECT_EQ(b->pushed.size(), 2u);

  auto not_sender = std::make_shared<Delivery>(*everyone);
  not_sender->exclude_connection = "n:1";
  hub.deliver("user:x", not_sender);
  EXPECT_EQ(a->pushed.size(), 1u);
  EXPECT_EQ(a2->pushed.size(), 2u);
}

TEST(Hub, RoomMessagesArriveOnceInSeqOrderAndWaitDuringReplay) {
  boost::asio::io_context io;
  auto a = std::make_shared<RecordingSession>(io, 1, 1);
  Hub hub;
  hub.add("room:r", a.get());
  a->rooms["r"].replaying = true;
  hub.deliver("room:r", room_message("r", 5));
  hub.deliver("room:r", room_message("r", 6));
  EXPECT_TRUE(a->pushed.empty()) << "held while the join replays";
  EXPECT_EQ(a->rooms["r"].held.size(), 2u);

  // The replay pushed up to 5; releasing the held ones must skip 5 and push 6.
  auto& state = a->rooms["r"];
  state.last_seq = 5;
  state.replaying = false;
  auto held = std::move(state.held);
  for (auto& d : held) push_room_message(*a, d);
  ASSERT_EQ(a->pushed.size(), 1u);
  EXPECT_EQ(a->pushed[0]->seq, 6);

  hub.deliver("room:r", room_message("r", 6));
  EXPECT_EQ(a->pushed.size(), 1u) << "a duplicate is dropped";
}

TEST(Hub, AMessageForARoomTheSessionLeftIsNotPushed) {
  boost::asio::io_context io;
  auto a = std::make_shared<RecordingSession>(io, 1, 1);
  Hub hub;
  hub.add("room:r", a.get());
  hub.deliver("room:r", room_message("r", 1));
  EXPECT_TRUE(a->pushed.empty());
}

TEST(Hub, ABatchReachesEveryMemberWholeAndInOrderWithItsExclusions) {
  boost::asio::io_context io;
  auto a = std::make_shared<RecordingSession>(io, 1, 1);
  auto b = std::make_shared<RecordingSession>(io, 2, 2);
  Hub hub;
  for (auto* s : {a.get(), b.get()}) {
    hub.add("room:r", s);
    s->rooms["r"];
  }
  auto typing_by_a = std::make_shared<Delivery>(*make_delivery("typing", "{}"));
  typing_by_a->exclude_user = 1;
  const std::vector<DeliveryPtr> batch = {room_message("r", 1), typing_by_a, room_message("r", 2),
                                          room_message("r", 3)};
  hub.deliver("room:r", batch);
  auto seqs = [](const RecordingSession& s) {
    std::vector<int64_t> out;
    for (auto& d : s.pushed) out.push_back(d->seq);
    return out;
  };
  EXPECT_EQ(seqs(*a), (std::vector<int64_t>{1, 2, 3})) << "a does not get its own typing";
  EXPECT_EQ(seqs(*b), (std::vector<int64_t>{1, 0, 2, 3}));
  EXPECT_EQ(b->pushed[1].get(), typing_by_a.get());
}

TEST(ChannelGroups, KeepsEachChannelsOrderWithChannelsInOrderOfFirstAppearance) {
  auto d = [](int64_t seq) { return room_message("any", seq); };
  std::vector<Inbox::Entry> batch = {{"room:b", d(1)}, {"room:a", d(1)}, {"all", d(7)},
                                     {"room:b", d(2)}, {"room:a", d(2)}, {"room:b", d(3)}};
  ChannelGroups groups;
  groups.regroup(batch);
  ASSERT_EQ(groups.size(), 3u);
  auto seqs = [&](size_t g) {
    std::vector<int64_t> out;
    for (auto& delivery : groups.deliveries(g)) out.push_back(delivery->seq);
    return out;
  };
  EXPECT_EQ(groups.channel(0), "room:b");
  EXPECT_EQ(seqs(0), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(groups.channel(1), "room:a");
  EXPECT_EQ(seqs(1), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(groups.channel(2), "all");
  EXPECT_EQ(seqs(2), (std::vector<int64_t>{7}));

  groups.clear();
  EXPECT_EQ(groups.size(), 0u);
  // The next batch reuses the groups' storage and starts clean.
  std::vector<Inbox::Entry> next = {{"room:a", d(3)}};
  groups.regroup(next);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(seqs(0), (std::vector<int64_t>{3}));
}

// A big batch (hundreds of rooms' messages at once) groups the same way as a small one, and a small batch after
// it starts clean.
TEST(ChannelGroups, GroupsABigBatchAndASmallOneAfterIt) {
  std::vector<Inbox::Entry> batch;
  for (int64_t seq = 1; seq <= 3; ++seq)
    for (int room = 0; room < 100; ++room) batch.push_back({"room:" + std::to_string(room), room_message("any", seq)});
  ChannelGroups groups;
  groups.regroup(batch);
  ASSERT_EQ(groups.size(), 100u);
  for (size_t g = 0; g < groups.size(); ++g) {
    EXPECT_EQ(groups.channel(g), "room:" + std::to_string(g));
    std::vector<int64_t> seqs;
    for (auto& delivery : groups.deliveries(g)) seqs.push_back(delivery->seq);
    EXPECT_EQ(seqs, (std::vector<int64_t>{1, 2, 3})) << groups.channel(g);
  }
  groups.clear();
  std::vector<Inbox::Entry> next = {{"room:7", room_message("any", 4)}, {"room:1", room_message("any", 4)}};
  groups.regroup(next);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups.channel(0), "room:7");
  EXPECT_EQ(groups.channel(1), "room:1");
}

TEST(Inbox, AsksForOneDrainPerBatch) {
  Inbox inbox;
  EXPECT_TRUE(inbox.add("room:a", room_message("a", 1))) << "was empty: post a drain";
  EXPECT_FALSE(inbox.add("room:a", room_message("a", 2))) << "a drain is posted already";
  EXPECT_FALSE(inbox.add(SentReply{.message_id = "m-1", .seq = 1})) << "a reply waits for the same drain";
  std::vector<Inbox::Entry> taken;
  std::vector<SentReply> replies;
  inbox.take(taken, replies);
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[1].delivery->seq, 2);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].message_id, "m-1");
  EXPECT_TRUE(inbox.add(SentReply{.message_id = "m-3", .seq = 3})) << "taken: the next add, a reply, posts again";
  EXPECT_FALSE(inbox.add("room:a", room_message("a", 3)));
  inbox.take(taken, replies);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].delivery->seq, 3);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].seq, 3);
}

// A DM's entries for both its users' channels are added in one go: in order, one drain asked for.
TEST(Inbox, AddsSeveralEntriesAtOnce) {
  Inbox inbox;
  auto d = room_message("dm:1:2", 1);
  std::vector<Inbox::Entry> both{{"user:1", d}, {"user:2", d}};
  EXPECT_TRUE(inbox.add(std::span(both))) << "was empty: post a drain";
  std::vector<Inbox::Entry> more{{"user:2", room_message("dm:1:2", 2)}};
  EXPECT_FALSE(inbox.add(std::span(more)));
  std::vector<Inbox::Entry> taken;
  std::vector<SentReply> replies;
  inbox.take(taken, replies);
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(taken[0].channel, "user:1");
  EXPECT_EQ(taken[1].channel, "user:2");
  EXPECT_EQ(taken[1].delivery.get(), d.get());
  EXPECT_EQ(taken[2].delivery->seq, 2);
  EXPECT_TRUE(inbox.add(std::span(more))) << "taken: the next add posts again";
}

TEST(Envelope, RoundTripsEveryField) {
  std::string payload = encode_envelope({.event = "typing:user:start",
                                         .data_json = R"({"room":"r","text":"line1\nline2"})",
                                         .room = "r",
                                         .seq = 42,
                                         .exclude_user = 7,
                                         .exclude_connection = "node-1:9"});
  auto d = decode_envelope(payload);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->room, "r");
  EXPECT_EQ(d->seq, 42);
  EXPECT_EQ(d->exclude_user, 7);
  EXPECT_EQ(d->exclude_connection, "node-1:9");
  EXPECT_NE(d->native_ws_frame.find(R"({"event":"typing:user:start","data":{"room":"r")"), std::string::npos);
  // No Socket.IO session on this node: the Socket.IO forms are made on demand, by with_socketio.
  EXPECT_TRUE(d->socketio_packet.empty());
  DeliveryPtr sio = with_socketio(std::make_shared<const Delivery>(*d));
  EXPECT_EQ(sio->socketio_packet, R"(2["typing:user:start",{"room":"r","text":"line1\nline2"}])");
  EXPECT_EQ(sio->socketio_ws_frame.substr(2), "4" + sio->socketio_packet) << "a short text frame: 2-byte header";
  EXPECT_EQ(with_socketio(sio), sio) << "already there: no copy";
  // With one, every delivery carries them from the start.
  count_socketio_sessions(1);
  auto both = decode_envelope(payload);
  count_socketio_sessions(-1);
  ASSERT_TRUE(both);
  EXPECT_EQ(both->socketio_packet, sio->socketio_packet);
  EXPECT_EQ(both->socketio_ws_frame, sio->socketio_ws_frame);
  EXPECT_EQ(both->native_ws_frame, d->native_ws_frame);
}

TEST(Envelope, RejectsMalformedPayloads) {
  EXPECT_FALSE(decode_envelope(""));
  EXPECT_FALSE(decode_envelope("v2\n0\n\n\n0\ne\n{}"));
  EXPECT_FALSE(decode_envelope("v1\nx\n\n\n0\ne\n{}"));
  EXPECT_FALSE(decode_envelope("v1\n0\n\n\n0\n"));
}

// Channel and conversation names, as the broker and the store know them.
TEST(Channels, NamesAreFormattedAndParsedBack) {
  EXPECT_EQ(user_channel(42), "user:42");
  EXPECT_EQ(user_of_channel(user_channel(42)), 42);
  EXPECT_EQ(user_of_channel(user_channel(INT64_MAX)), INT64_MAX);
  EXPECT_EQ(room_channel("lobby"), "room:lobby");
  EXPECT_EQ(user_of_channel(room_channel("lobby")), 0);
  EXPECT_EQ(parley::store::conversation_key(7, 3), "dm:3:7");
  EXPECT_EQ(parley::store::conversation_key(3, 7), "dm:3:7");
  EXPECT_EQ(parley::store::conversation_key(INT64_MAX, 1), "dm:1:" + std::to_string(INT64_MAX));
  auto pair = parley::store::conversation_users(parley::store::conversation_key(12, 5));
  ASSERT_TRUE(pair.has_value());
  EXPECT_EQ(*pair, (std::pair<int64_t, int64_t>{5, 12}));
}
