// Room order (chat/room_order.hpp): each message once, in seq order, none lost, when the cluster delivers a
// room out of order.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "chat/room_order.hpp"

using namespace parley::chat;

namespace {

class FakeSession final : public Session {
 public:
  explicit FakeSession(boost::asio::io_context& io)
      : Session(0, ConnectionId(node_id, 1), Identity{1, "alice", 0}), ex_(io.get_executor()) {}
  static inline const std::string node_id = "n1";
  const LoopExecutor& executor() const override { return ex_; }
  LoopExecutor ex_;
  void push(const DeliveryPtr& d) override { seqs.push_back(d->seq); }
  void reply_ok(const parley::protocol::Request&, std::string_view) override {}
  void reply_error(const parley::protocol::Request&, const parley::core::Error&) override {}
  void close(uint16_t code, std::string_view) override { closed_with = code; }
  bool is_open() const override { return closed_with == 0; }
  size_t queued_bytes() const override { return 0; }
  void when_drained(size_t, std::function<void()> fn) override { fn(); }
  std::vector<int64_t> seqs;
  uint16_t closed_with = 0;
};

DeliveryPtr msg(int64_t seq) {
  auto d = std::make_shared<Delivery>();
  d->room = "r";
  d->seq = seq;
  return d;
}

struct RoomOrder : ::testing::Test {
  boost::asio::io_context io;
  FakeSession s{io};
  RoomState state;
  Offer offer(int64_t seq) { return offer_room_message(s, state, msg(seq)); }
};

}  // namespace

TEST_F(RoomOrder, InOrderIsPushedAtOnce) {
  state.last_seq = 4;
  EXPECT_EQ(offer(5), Offer::pushed);
  EXPECT_EQ(offer(6), Offer::pushed);
  EXPECT_EQ(s.seqs, (std::vector<int64_t>{5, 6}));
  EXPECT_FALSE(state.gap_fill_scheduled);
}

TEST_F(RoomOrder, DuplicatesAndOldSeqsAreDropped) {
  state.last_seq = 4;
  EXPECT_EQ(offer(4), Offer::duplicate);
  EXPECT_EQ(offer(2), Offer::duplicate);
  EXPECT_EQ(offer(5), Offer::pushed);
  EXPECT_EQ(offer(5), Offer::duplicate);
  EXPECT_EQ(s.seqs, (std::vector<int64_t>{5}));
}

// Node B publishes N+1 before node A publishes N: N+1 waits, then both go out in order.
TEST_F(RoomOrder, LateMessageClosesTheGap) {
  state.last_seq = 9;
  EXPECT_EQ(offer(11), Offer::gap_opened);
  EXPECT_TRUE(state.gap_fill_scheduled);
  EXPECT_EQ(offer(12), Offer::held);  // one fill per gap
  EXPECT_TRUE(s.seqs.empty());
  EXPECT_EQ(offer(10), Offer::pushed);
  EXPECT_EQ(s.seqs, (std::vector<int64_t>{10, 11, 12}));
  EXPECT_TRUE(state.pending.empty());
  EXPECT_EQ(missing_count(state), 0);
}

// The missing message never arrives live (its publish was lost): the store fills it.
TEST_F(RoomOrder, StoreFillsTheGap) {
  state.last_seq = 1;
  EXPECT_EQ(offer(4), Offer::gap_opened);
  EXPECT_EQ(offer(5), Offer::held);
  EXPECT_EQ(missing_count(state), 2);
  // The store answers 2..4 (4 is also waiting: pushed once).
  EXPECT_FALSE(fill_gap(s, state, {msg(2), msg(3), msg(4)}));
  EXPECT_EQ(s.seqs, (std::vector<int64_t>{2, 3, 4, 5}));
  EXPECT_EQ(state.last_seq, 5);
  // A live copy of a filled message arriving late is dropped.
  EXPECT_EQ(offer(3), Offer::duplicate);
  EXPECT_EQ(offer(6), Offer::pushed);
  EXPECT_EQ(s.seqs, (std::vector<int64_t>{2, 3, 4, 5, 6}));
}

TEST_F(RoomOrder, PartialFillReportsTheRemainingGap) {
  state.last_seq = 0;
  offer(10);
  EXPECT_TRUE(fill_gap(s, state, {msg(1), msg(2), msg(3)}));
  EXPECT_EQ(state.last_seq, 3);
  EXPECT_EQ(missing_count(state), 6);
  EXPECT_FALSE(fill_gap(s, state, {msg(4), msg(5), msg(6), msg(7), msg(8), msg(9)}));
  EXPECT_EQ(s.seqs.back(), 10);
  EXPECT_EQ(s.seqs.size(), 10u);
}

TEST_F(RoomOrder, MissingMessagesThatLiveArrivalsCoverDuringTheFill) {
  state.last_seq = 0;
  offer(3);
  offer(2);  // waits too: 1 is still missing
  EXPECT_EQ(s.seqs.size(), 0u);
  offer(1);
  EXPECT_EQ(s.seqs, (std::vector<int64_t>{1, 2, 3}));
  // The fill that was scheduled finds nothing left to do.
  EXPECT_FALSE(fill_gap(s, state, {msg(1), msg(2)}));
  EXPECT_EQ(s.seqs, (std::vector<int64_t>{1, 2, 3}));
}

TEST_F(RoomOrder, SkipGapPushesWhatWaitsInOrder) {
  state.last_seq = 1;
  offer(5);
  offer(3);
  skip_gap(s, state);
  EXPECT_EQ(s.seqs, (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(state.last_seq, 5);
  EXPECT_TRUE(state.pending.empty());
}

TEST_F(RoomOrder, ReplayingJoinHoldsEverything) {
  state.replaying = true;
  EXPECT_EQ(offer(7), Offer::held_for_join);
  EXPECT_EQ(state.held.size(), 1u);
  EXPECT_TRUE(s.seqs.empty());
}

TEST_F(RoomOrder, TooManyWaitingClosesAsSlowReader) {
  state.last_seq = 0;
  for (int64_t seq = 2; seq < static_cast<int64_t>(max_waiting) + 3; ++seq) offer(seq);
  EXPECT_EQ(s.closed_with, 4008);
}

// A direct conversation written both ways in one commit batch: the other user's N+1 reaches this connection
// before the batch's reply to its own N. The reply closes the gap within the batch, so no store fill (and no
// timer) is arranged for it.
TEST_F(RoomOrder, OwnReplyInTheSameBatchClosesTheGapWithoutAFill) {
  state.last_seq = 4;
  EXPECT_EQ(offer(6), Offer::gap_opened);
  EXPECT_TRUE(s.seqs.empty());
  mark_delivered(s, state, 5);  // the reply to its own message 5
  EXPECT_EQ(s.seqs, (std::vector<int64_t>{6}));
  EXPECT_FALSE(gap_still_open(state));
  EXPECT_FALSE(state.gap_fill_scheduled) << "a later gap must be able to schedule a fill again";
  EXPECT_EQ(offer(8), Offer::gap_opened);
  EXPECT_TRUE(gap_still_open(state)) << "a gap the batch did not close still needs the store";
  EXPECT_TRUE(state.gap_fill_scheduled);
}
