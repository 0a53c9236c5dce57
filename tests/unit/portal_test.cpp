#include "portal/stream_flow.hpp"

#include <gtest/gtest.h>

#include "portal/portal_messages.hpp"

namespace portico::portal {
namespace {

TEST(PortalMessages, EncodingsAreAsSpecified) {
  EXPECT_EQ(encode(Open{65536}), (Bytes{0x01, 0x80, 0x80, 0x04}));
  EXPECT_EQ(encode(Accept{1}), (Bytes{0x02, 0x01}));
  EXPECT_EQ(encode(Data{Bytes{'h', 'i'}}), (Bytes{0x03, 'h', 'i'}));
  EXPECT_EQ(encode(Credit{300}), (Bytes{0x04, 0xac, 0x02}));
  EXPECT_EQ(encode(Shutdown{}), (Bytes{0x05}));
  EXPECT_EQ(encode(Reset{"no"}), (Bytes{0x06, 0x02, 'n', 'o'}));
  EXPECT_EQ(encode(Ping{}), (Bytes{0x07}));
}

TEST(PortalMessages, RoundTrips) {
  for (const PortalMessage& m : {PortalMessage{Open{512 * 1024}}, PortalMessage{Accept{7}},
                                 PortalMessage{Data{Bytes(kMaxDataBytes, 0xaa)}}, PortalMessage{Credit{0}},
                                 PortalMessage{Shutdown{}}, PortalMessage{Reset{"target refused"}},
                                 PortalMessage{Ping{}}}) {
    auto back = decode_portal_message(encode(m));
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, m);
  }
}

TEST(PortalMessages, MalformedInputsEachHaveTheirError) {
  EXPECT_EQ(decode_portal_message(Bytes{}).error(), wire::Error::truncated);
  EXPECT_EQ(decode_portal_message(Bytes{0x08}).error(), wire::Error::bad_message_type);
  EXPECT_EQ(decode_portal_message(Bytes{0x07, 0x00}).error(), wire::Error::trailing_bytes);
  EXPECT_EQ(decode_portal_message(Bytes{0x01}).error(), wire::Error::truncated);
  EXPECT_EQ(decode_portal_message(Bytes{0x01, 0x80}).error(), wire::Error::truncated);
  EXPECT_EQ(decode_portal_message(Bytes{0x01, 0x80, 0x00}).error(), wire::Error::varint_overlong);
  EXPECT_EQ(decode_portal_message(Bytes{0x04, 0x01, 0x00}).error(), wire::Error::trailing_bytes);
  EXPECT_EQ(decode_portal_message(Bytes{0x05, 0x00}).error(), wire::Error::trailing_bytes);
  EXPECT_EQ(decode_portal_message(Bytes{0x03}).error(), wire::Error::truncated);  // Data needs a byte
  Bytes too_big(kMaxDataBytes + 2, 0);
  too_big[0] = 0x03;
  EXPECT_EQ(decode_portal_message(too_big).error(), wire::Error::payload_too_large);
  EXPECT_EQ(decode_portal_message(Bytes{0x06, 0x05, 'a'}).error(), wire::Error::truncated);
}

TEST(StreamFlow, SenderNeverExceedsCredit) {
  StreamFlow flow(1000);
  EXPECT_EQ(flow.send_credit(), 0u);  // nothing until the peer's window is known
  flow.set_initial_credit(100);
  flow.on_sent(60);
  EXPECT_EQ(flow.send_credit(), 40u);
  flow.on_sent(40);
  EXPECT_EQ(flow.send_credit(), 0u);
  EXPECT_TRUE(flow.on_credit(100));
  EXPECT_EQ(flow.send_credit(), 100u);
  EXPECT_FALSE(flow.on_credit(1)) << "credit beyond the peer's announced window means broken accounting";
}

TEST(StreamFlow, ReceiverRejectsDataBeyondWhatItGranted) {
  StreamFlow flow(1000);
  EXPECT_TRUE(flow.on_data(600));
  EXPECT_TRUE(flow.on_data(400));
  EXPECT_FALSE(flow.on_data(1));
  EXPECT_EQ(flow.unwritten(), 1000u);
}

TEST(StreamFlow, CreditIsReturnedInQuarterWindowBatchesAsTheSocketTakesBytes) {
  StreamFlow flow(1000);
  ASSERT_TRUE(flow.on_data(1000));
  EXPECT_EQ(flow.on_written(100), 0u);
  EXPECT_EQ(flow.on_written(149), 0u);
  EXPECT_EQ(flow.on_written(1), 250u);  // a quarter of the window is owed: return it
  EXPECT_TRUE(flow.on_data(250)) << "the returned credit may be used again";
  EXPECT_FALSE(flow.on_data(1));
}

TEST(StreamFlow, SlowReaderBoundsWhatIsInFlight) {
  // Whatever the sender wants, a receiver that writes nothing holds at most one window.
  StreamFlow receiver(64 * 1024);
  StreamFlow sender(64 * 1024);
  sender.set_initial_credit(receiver.window());
  std::size_t moved = 0;
  while (sender.send_credit() > 0) {
    const std::size_t n = std::min<std::size_t>(sender.send_credit(), 1500);
    sender.on_sent(n);
    ASSERT_TRUE(receiver.on_data(n));
    moved += n;
  }
  EXPECT_EQ(moved, 64u * 1024);
  EXPECT_EQ(receiver.unwritten(), 64u * 1024);
}

TEST(StreamFlow, HalfCloseFinishesOnlyWhenBothDirectionsEndAndAllIsWritten) {
  StreamFlow flow(1000);
  flow.on_local_eof();  // our client shut its write side
  EXPECT_FALSE(flow.finished()) << "the reply direction is still open";
  ASSERT_TRUE(flow.on_data(10));
  flow.on_peer_eof();
  EXPECT_FALSE(flow.ready_to_shutdown_write()) << "10 bytes still to write before FIN";
  flow.on_written(10);
  EXPECT_TRUE(flow.ready_to_shutdown_write());
  EXPECT_TRUE(flow.finished());
}

}  // namespace
}  // namespace portico::portal
