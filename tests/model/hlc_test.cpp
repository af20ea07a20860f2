// model/hlc.hpp: Hybrid Logical Clock (Kulkarni, Demirbas et al. 2014, "Logical Physical
// Clocks"): l = max(l, pt) with a counter that breaks ties within one millisecond.
#include "model/hlc.hpp"

#include <gtest/gtest.h>

#include <cstdint>

using namespace honbu;

namespace {
constexpr TimeMs kWall = 1'795'322'700'000;  // 2026-11-22T13:45:00+09:00
}

// ---------------------------------------------------------------- Hlc value

TEST(HlcValue, PacksMillisecondsAndCounter) {
  const Hlc h = Hlc::make(kWall, 7);
  EXPECT_EQ(h.ms(), static_cast<std::uint64_t>(kWall));
  EXPECT_EQ(h.counter(), 7);
  EXPECT_EQ(h.packed, (static_cast<std::uint64_t>(kWall) << 16) | 7u);
}

TEST(HlcValue, OrdersByMillisecondsThenCounter) {
  EXPECT_LT(Hlc::make(100, 0xffff), Hlc::make(101, 0));
  EXPECT_LT(Hlc::make(100, 1), Hlc::make(100, 2));
  EXPECT_EQ(Hlc::make(100, 3), Hlc::make(100, 3));
  EXPECT_GT(Hlc::make(5, 0), Hlc{});
}

TEST(HlcValue, ToStringShowsJstTimeAndCounter) {
  EXPECT_EQ(Hlc::make(kWall, 3).to_string(), "2026-11-22T13:45:00+09:00#3");
  EXPECT_EQ(Hlc::make(kWall + 250, 0).to_string(), "2026-11-22T13:45:00+09:00#0");
}

// ---------------------------------------------------------------- tick

TEST(HlcTick, FirstTickUsesWallClockWithCounterZero) {
  HybridClock clock;
  const Hlc h = clock.tick(kWall);
  EXPECT_EQ(h, Hlc::make(kWall, 0));
  EXPECT_EQ(clock.last(), h);
}

TEST(HlcTick, CounterIncrementsWithinTheSameMillisecond) {
  HybridClock clock;
  EXPECT_EQ(clock.tick(kWall), Hlc::make(kWall, 0));
  EXPECT_EQ(clock.tick(kWall), Hlc::make(kWall, 1));
  EXPECT_EQ(clock.tick(kWall), Hlc::make(kWall, 2));
}

TEST(HlcTick, CounterResetsWhenWallClockAdvances) {
  HybridClock clock;
  clock.tick(kWall);
  clock.tick(kWall);
  EXPECT_EQ(clock.tick(kWall + 1), Hlc::make(kWall + 1, 0));
  EXPECT_EQ(clock.tick(kWall + 500), Hlc::make(kWall + 500, 0));
}

TEST(HlcTick, MonotonicWhenWallClockGoesBackwards) {
  HybridClock clock;
  const Hlc a = clock.tick(kWall);
  const Hlc b = clock.tick(kWall - 60'000);  // NTP stepped the clock back a minute
  const Hlc c = clock.tick(kWall - 120'000);
  EXPECT_GT(b, a);
  EXPECT_GT(c, b);
  // The logical time stays on the largest wall time seen; only the counter moves.
  EXPECT_EQ(b, Hlc::make(kWall, 1));
  EXPECT_EQ(c, Hlc::make(kWall, 2));
}

TEST(HlcTick, StrictlyIncreasingOverAJitteryClock) {
  HybridClock clock;
  const TimeMs jitter[] = {0, 5, 3, 3, 3, 10, -50, 11, 11, 9, 12, 12, 100, 0, 101};
  Hlc prev{};
  for (TimeMs j : jitter) {
    const Hlc h = clock.tick(kWall + j);
    EXPECT_GT(h, prev) << "wall offset " << j;
    EXPECT_GE(h.ms(), static_cast<std::uint64_t>(kWall + j)) << "never behind the wall clock";
    prev = h;
  }
}

TEST(HlcTick, CounterOverflowBorrowsTheNextMillisecond) {
  HybridClock clock;
  clock.restore(Hlc::make(kWall, 0xfffe));
  EXPECT_EQ(clock.tick(kWall), Hlc::make(kWall, 0xffff));
  const Hlc borrowed = clock.tick(kWall);
  EXPECT_EQ(borrowed, Hlc::make(kWall + 1, 0));
  EXPECT_GT(borrowed, Hlc::make(kWall, 0xffff));
  // When the wall clock then reaches the borrowed millisecond, the counter continues.
  EXPECT_EQ(clock.tick(kWall + 1), Hlc::make(kWall + 1, 1));
}

TEST(HlcTick, SixtyFiveThousandTicksInOneMillisecondStayOrdered) {
  HybridClock clock;
  Hlc prev = clock.tick(kWall);
  for (int i = 0; i < 70'000; ++i) {
    const Hlc h = clock.tick(kWall);
    ASSERT_GT(h, prev) << i;
    prev = h;
  }
  EXPECT_EQ(prev.ms(), static_cast<std::uint64_t>(kWall + 1));
  EXPECT_EQ(prev.counter(), 70'000 - 0x10000);
}

TEST(HlcTick, NegativeWallClockTreatedAsZero) {
  HybridClock clock;
  EXPECT_EQ(clock.tick(-5), Hlc::make(0, 1));  // first tick at ms 0 after Hlc{} = (0,0)
  EXPECT_EQ(clock.tick(-5), Hlc::make(0, 2));
}

// ---------------------------------------------------------------- observe (Kulkarni et al.)

TEST(HlcObserve, WallClockAheadOfBothResetsCounter) {
  // l' = pt > l.j, l.m  ->  c' = 0
  HybridClock clock;
  clock.restore(Hlc::make(kWall - 10, 4));
  clock.observe(Hlc::make(kWall - 5, 9), kWall);
  EXPECT_EQ(clock.last(), Hlc::make(kWall, 0));
}

TEST(HlcObserve, RemoteAheadTakesRemoteCounterPlusOne) {
  // l' = l.m > l.j, pt  ->  c' = c.m + 1
  HybridClock clock;
  clock.restore(Hlc::make(kWall, 4));
  clock.observe(Hlc::make(kWall + 200, 9), kWall + 10);
  EXPECT_EQ(clock.last(), Hlc::make(kWall + 200, 10));
}

TEST(HlcObserve, LocalAheadTakesLocalCounterPlusOne) {
  // l' = l.j > l.m, pt  ->  c' = c.j + 1
  HybridClock clock;
  clock.restore(Hlc::make(kWall + 200, 4));
  clock.observe(Hlc::make(kWall + 100, 9), kWall);
  EXPECT_EQ(clock.last(), Hlc::make(kWall + 200, 5));
}

TEST(HlcObserve, LocalAndRemoteEqualTakesMaxCounterPlusOne) {
  // l' = l.j = l.m  ->  c' = max(c.j, c.m) + 1
  {
    HybridClock clock;
    clock.restore(Hlc::make(kWall + 200, 4));
    clock.observe(Hlc::make(kWall + 200, 9), kWall);
    EXPECT_EQ(clock.last(), Hlc::make(kWall + 200, 10));
  }
  {
    HybridClock clock;
    clock.restore(Hlc::make(kWall + 200, 12));
    clock.observe(Hlc::make(kWall + 200, 9), kWall);
    EXPECT_EQ(clock.last(), Hlc::make(kWall + 200, 13));
  }
}

TEST(HlcObserve, AllThreeEqualTakesMaxCounterPlusOne) {
  HybridClock clock;
  clock.restore(Hlc::make(kWall, 2));
  clock.observe(Hlc::make(kWall, 6), kWall);
  EXPECT_EQ(clock.last(), Hlc::make(kWall, 7));
}

TEST(HlcObserve, NextTickIsAfterEverythingObserved) {
  HybridClock clock;
  clock.tick(kWall);
  const Hlc remote = Hlc::make(kWall + 5'000, 3);  // a node whose clock runs 5 s fast
  clock.observe(remote, kWall + 1);
  const Hlc next = clock.tick(kWall + 2);
  EXPECT_GT(next, remote);
  EXPECT_EQ(next, Hlc::make(kWall + 5'000, 5));
}

TEST(HlcObserve, OlderRemoteStillAdvancesCounter) {
  HybridClock clock;
  const Hlc mine = clock.tick(kWall);
  clock.observe(Hlc::make(kWall - 1'000, 50), kWall);
  EXPECT_GT(clock.last(), mine);
  EXPECT_EQ(clock.last(), Hlc::make(kWall, 1));
}

TEST(HlcObserve, CounterOverflowBorrowsTheNextMillisecond) {
  HybridClock clock;
  clock.restore(Hlc::make(kWall, 3));
  clock.observe(Hlc::make(kWall, 0xffff), kWall);
  EXPECT_EQ(clock.last(), Hlc::make(kWall + 1, 0));
  EXPECT_GT(clock.last(), Hlc::make(kWall, 0xffff));
}

TEST(HlcObserve, RemoteCounterAtMaximumBorrowsTheNextMillisecond) {
  HybridClock clock;
  clock.observe(Hlc::make(kWall + 10, 0xffff), kWall);
  EXPECT_EQ(clock.last(), Hlc::make(kWall + 11, 0));
}

// ---------------------------------------------------------------- too_far_ahead, restore

TEST(HlcTooFarAhead, ComparesRemoteMillisecondsWithWallPlusDrift) {
  const TimeMs drift = 60'000;
  EXPECT_FALSE(HybridClock::too_far_ahead(Hlc::make(kWall, 0), kWall, drift));
  EXPECT_FALSE(HybridClock::too_far_ahead(Hlc::make(kWall + drift, 0xffff), kWall, drift));
  EXPECT_TRUE(HybridClock::too_far_ahead(Hlc::make(kWall + drift + 1, 0), kWall, drift));
  EXPECT_FALSE(HybridClock::too_far_ahead(Hlc::make(kWall - 3'600'000, 0), kWall, drift));
}

TEST(HlcTooFarAhead, ZeroDriftAcceptsOnlyUpToNow) {
  EXPECT_FALSE(HybridClock::too_far_ahead(Hlc::make(kWall, 5), kWall, 0));
  EXPECT_TRUE(HybridClock::too_far_ahead(Hlc::make(kWall + 1, 0), kWall, 0));
}

TEST(HlcRestore, RaisesTheClockToAPersistedValue) {
  HybridClock clock;
  clock.restore(Hlc::make(kWall + 1'000, 7));
  EXPECT_EQ(clock.last(), Hlc::make(kWall + 1'000, 7));
  // A restart with the wall clock behind what was persisted must not go backwards.
  EXPECT_EQ(clock.tick(kWall), Hlc::make(kWall + 1'000, 8));
}

TEST(HlcRestore, NeverLowersTheClock) {
  HybridClock clock;
  const Hlc now = clock.tick(kWall);
  clock.restore(Hlc::make(kWall - 1'000, 99));
  EXPECT_EQ(clock.last(), now);
  clock.restore(Hlc::make(kWall, 0));  // equal: no change
  EXPECT_EQ(clock.last(), now);
}
