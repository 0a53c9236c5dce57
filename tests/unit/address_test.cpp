#include "routing/address.hpp"

#include <gtest/gtest.h>

#include "transport/endpoint.hpp"

namespace portico {
namespace {

TEST(Address, ParsesTypedAndBareForms) {
  auto tcp = Address::parse("1#127.0.0.1:4000");
  ASSERT_TRUE(tcp);
  EXPECT_EQ(tcp->type, transport_type::kTcp);
  EXPECT_EQ(tcp->value, "127.0.0.1:4000");
  auto bare = Address::parse("echo");
  ASSERT_TRUE(bare);
  EXPECT_EQ(*bare, Address::local("echo"));
  EXPECT_EQ(bare->to_string(), "0#echo");
}

TEST(Address, RejectsMalformedText) {
  EXPECT_FALSE(Address::parse(""));
  EXPECT_FALSE(Address::parse("1#"));
  EXPECT_FALSE(Address::parse("#x"));
  EXPECT_FALSE(Address::parse("256#x"));
  EXPECT_FALSE(Address::parse("a#x"));
}

TEST(Route, ParsesCommaSeparatedHopsAndPrints) {
  auto route = parse_route("1#127.0.0.1:4000,1#127.0.0.1:4001,echo");
  ASSERT_TRUE(route);
  ASSERT_EQ(route->size(), 3u);
  EXPECT_EQ(to_string(*route), "1#127.0.0.1:4000 => 1#127.0.0.1:4001 => 0#echo");
  EXPECT_FALSE(parse_route(""));
  EXPECT_FALSE(parse_route("echo,,x"));
  EXPECT_EQ(to_string(Route{}), "(empty)");
}

TEST(Address, RandomLocalAddressesDiffer) {
  const Address a = random_local_address("tcp-in");
  const Address b = random_local_address("tcp-in");
  EXPECT_TRUE(a.is_local());
  EXPECT_EQ(a.value.rfind("tcp-in-", 0), 0u);
  EXPECT_EQ(a.value.size(), 7u + 16u);
  EXPECT_NE(a, b);
}

TEST(HostPort, ParsesHostsAndPorts) {
  auto v4 = HostPort::parse("127.0.0.1:5432");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 5432);
  auto name = HostPort::parse("hub.example.com:4000");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->host, "hub.example.com");
  auto v6 = HostPort::parse("[::1]:4000");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->to_string(), "[::1]:4000");
}

TEST(HostPort, RejectsBadInput) {
  for (const char* bad : {"", "host", "host:", ":4000", "host:0", "host:65536", "host:12ab", "host:-1",
                          "a b:80", "[::1]x:80"}) {
    EXPECT_FALSE(HostPort::parse(bad)) << bad;
  }
}

}  // namespace
}  // namespace portico
