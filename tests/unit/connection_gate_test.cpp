#include "transport/connection_gate.hpp"

#include <gtest/gtest.h>

namespace portico {
namespace {

TEST(ConnectionGate, PerAddressAndTotalLimits) {
  ConnectionGate gate({.max_total = 5, .max_per_address = 2});
  EXPECT_EQ(gate.admit("10.0.0.1"), ConnectionVerdict::admit);
  EXPECT_EQ(gate.admit("10.0.0.1"), ConnectionVerdict::admit);
  EXPECT_EQ(gate.admit("10.0.0.1"), ConnectionVerdict::per_address);
  EXPECT_EQ(gate.from("10.0.0.1"), 2u);
  EXPECT_EQ(gate.admit("10.0.0.2"), ConnectionVerdict::admit);
  EXPECT_EQ(gate.admit("10.0.0.3"), ConnectionVerdict::admit);
  EXPECT_EQ(gate.admit("10.0.0.4"), ConnectionVerdict::admit);
  EXPECT_EQ(gate.admit("10.0.0.5"), ConnectionVerdict::total);
  EXPECT_EQ(gate.total(), 5u);
  gate.release("10.0.0.1");
  EXPECT_EQ(gate.admit("10.0.0.5"), ConnectionVerdict::admit);
  EXPECT_EQ(gate.admit("10.0.0.1"), ConnectionVerdict::total);
}

TEST(ConnectionGate, ReleasingForgetsAddressesAndIgnoresStrangers) {
  ConnectionGate gate({.max_total = 10, .max_per_address = 1});
  EXPECT_EQ(gate.admit("a"), ConnectionVerdict::admit);
  gate.release("a");
  gate.release("a");
  gate.release("never-seen");
  EXPECT_EQ(gate.total(), 0u);
  EXPECT_EQ(gate.from("a"), 0u);
  EXPECT_EQ(gate.admit("a"), ConnectionVerdict::admit);
}

}  // namespace
}  // namespace portico
