package io.profilekit.redis;

import io.profilekit.Event;
import io.profilekit.MutableClock;
import io.profilekit.Profile;
import io.profilekit.ProfileEngine;
import io.profilekit.ProfileStoreException;
import io.profilekit.RecordResult;
import io.profilekit.UnreadableProfilesException;
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileWrite;
import io.profilekit.spi.SeenEvents;
import io.profilekit.spi.WriteOutcome;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.profilekit.redis.Purchases.CENT;
import static io.profilekit.redis.Purchases.T0;
import static io.profilekit.redis.Purchases.purchase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the Redis store adds to the contract: its layout, expiry, round trips and failures. */
class RedisProfileStoreTest extends RedisTestBase {
    static final AtomicInteger PREFIX = new AtomicInteger();

    static String prefix() {
        return "t" + PREFIX.incrementAndGet() + ":";
    }

    static ProfileState state(String user, long version, Map<String, Long> fences) {
        return new ProfileState(user, version, Map.of(), T0.toEpochMilli(), SeenEvents.empty(), fences,
                ProfileState.NONE);
    }

    static long commandCalls(String command) {
        Matcher m = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(client.info("commandstats"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void eachProfileIsOneHashReadableWithRedisCli() {
        String prefix = prefix();
        RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix(prefix).build();
        ProfileState s = state("u1", 1, Map.of("events-0", 41L, "events-3", 7L));
        assertThat(store.writeAll(List.of(new ProfileWrite(s, 0, Map.of("events-0", 41L), Duration.ofHours(1)))))
                .extracting(WriteOutcome::status).containsExactly(WriteOutcome.Status.WRITTEN);

        assertThat(client.keys(prefix + "*")).containsExactly(prefix + "u1");
        Map<String, String> hash = client.hgetAll(prefix + "u1");
        assertThat(hash).containsOnlyKeys("s", "v", "l", "f:events-0", "f:events-3");
        assertThat(hash.get("l")).isEqualTo("e8:events-08:events-3");
        assertThat(hash.get("s")).isEqualTo("{\"v\":2,\"user\":\"u1\",\"version\":1,\"last\":" + T0.toEpochMilli()
                + ",\"fences\":{\"events-0\":41,\"events-3\":7}}");
        assertThat(hash.get("v")).isEqualTo("1");
        assertThat(hash.get("f:events-0")).isEqualTo("41");
        assertThat(client.pttl(prefix + "u1")).isBetween(3_500_000L, 3_600_000L);
    }

    @Test
    void aWriteWithoutTtlKeepsTheProfileUnlessADefaultIsSet() {
        String prefix = prefix();
        RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix(prefix).build();
        store.writeAll(List.of(new ProfileWrite(state("a", 1, Map.of()), 0, Map.of(), Duration.ofMinutes(5))));
        store.writeAll(List.of(new ProfileWrite(state("a", 2, Map.of()), 1, Map.of(), Duration.ZERO)));
        assertThat(client.pttl(prefix + "a")).isEqualTo(-1L);

        RedisProfileStore withDefault = RedisProfileStore.builder(client).keyPrefix(prefix)
                .defaultProfileTtl(Duration.ofDays(90)).build();
        withDefault.writeAll(List.of(new ProfileWrite(state("b", 1, Map.of()), 0, Map.of(), Duration.ZERO)));
        assertThat(client.pttl(prefix + "b")).isBetween(Duration.ofDays(90).toMillis() - 60_000, Duration.ofDays(90).toMillis());
    }

    @Test
    void aWriteLeavesOnlyItsOwnFieldsAndExpiry() {
        String prefix = prefix();
        RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix(prefix).build();
        store.writeAll(List.of(new ProfileWrite(state("w", 1, Map.of("p-0", 3L, "p-1", 9L)), 0, Map.of("p-0", 3L),
                Duration.ofMinutes(5))));
        assertThat(client.hgetAll(prefix + "w")).containsOnlyKeys("s", "v", "l", "f:p-0", "f:p-1");
        // same layout: fields are overwritten in place (no DEL), with new values and a fresh expiry
        long dels = commandCalls("del");
        client.pexpire(prefix + "w", 1_000);
        store.writeAll(List.of(new ProfileWrite(state("w", 2, Map.of("p-0", 4L, "p-1", 9L)), 1, Map.of("p-0", 4L),
                Duration.ofMinutes(5))));
        assertThat(commandCalls("del")).isEqualTo(dels);
        assertThat(client.hgetAll(prefix + "w")).containsOnlyKeys("s", "v", "l", "f:p-0", "f:p-1")
                .containsEntry("v", "2").containsEntry("f:p-0", "4");
        assertThat(client.pttl(prefix + "w")).isBetween(200_000L, 300_000L);
        // a state without p-1 (core never drops a fence today, but the store must not keep one it was not given)
        store.writeAll(List.of(new ProfileWrite(state("w", 3, Map.of("p-0", 5L)), 2, Map.of("p-0", 5L),
                Duration.ZERO)));
        assertThat(client.hgetAll(prefix + "w")).containsOnlyKeys("s", "v", "l", "f:p-0").containsEntry("f:p-0", "5")
                .containsEntry("l", "p3:p-0");
        assertThat(client.pttl(prefix + "w")).isEqualTo(-1L);
        assertThat(store.loadAll(List.of("w")).get("w")).isEqualTo(state("w", 3, Map.of("p-0", 5L)));
    }

    @Test
    void fencesCompareAsNumbersWhateverTheirLength() {
        String prefix = prefix();
        RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix(prefix).build();
        store.writeAll(List.of(new ProfileWrite(state("n", 1, Map.of("p", 99L, "q", -5L)), 0, Map.of("p", 99L, "q", -5L),
                Duration.ZERO)));
        record Case(long p, long q, WriteOutcome.Status expected) {
        }
        for (Case c : List.of(new Case(99, -4, WriteOutcome.Status.STALE_FENCE),
                new Case(100, -5, WriteOutcome.Status.STALE_FENCE),
                new Case(9, -4, WriteOutcome.Status.STALE_FENCE),
                new Case(100, -6, WriteOutcome.Status.STALE_FENCE),
                new Case(100, 0, WriteOutcome.Status.WRITTEN))) {
            long stored = store.loadAll(List.of("n")).get("n").version();
            assertThat(store.writeAll(List.of(new ProfileWrite(state("n", stored + 1, Map.of("p", c.p, "q", c.q)),
                    stored, Map.of("p", c.p, "q", c.q), Duration.ZERO))))
                    .as("p=%d q=%d against p=99 q=-5", c.p, c.q)
                    .extracting(WriteOutcome::status).containsExactly(c.expected);
        }
    }

    @Test
    void eraseReplacesTheProfileByATombstoneWithItsOwnRetention() {
        String prefix = prefix();
        RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix(prefix)
                .tombstoneRetention(Duration.ofDays(2)).build();
        store.writeAll(List.of(new ProfileWrite(state("e", 1, Map.of("p-0", 3L)), 0, Map.of("p-0", 3L),
                Duration.ofMinutes(1))));
        store.erase("e", T0.plusSeconds(60));
        assertThat(client.hgetAll(prefix + "e")).containsOnlyKeys("s", "v", "l").containsEntry("v", "2");
        assertThat(client.hget(prefix + "e", "s"))
                .isEqualTo("{\"v\":2,\"user\":\"e\",\"version\":2,\"erased\":" + T0.plusSeconds(60).toEpochMilli() + "}");
        assertThat(client.pttl(prefix + "e")).isBetween(Duration.ofDays(2).toMillis() - 60_000, Duration.ofDays(2).toMillis());
        // the fence went with the profile: offset 1 of p-0 is no longer behind anything
        assertThat(store.writeAll(List.of(new ProfileWrite(state("e", 3, Map.of("p-0", 1L)), 2, Map.of("p-0", 1L),
                Duration.ZERO)))).extracting(WriteOutcome::status).containsExactly(WriteOutcome.Status.WRITTEN);
    }

    @Test
    void aStateCarryingAnEraseTimeLivesAtLeastAsLongAsATombstoneWhateverItsWriteAsks() {
        String prefix = prefix();
        RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix(prefix)
                .tombstoneRetention(Duration.ofDays(2)).build();
        store.erase("t", T0.plusSeconds(60));
        ProfileState tombstone = store.loadAll(List.of("t")).get("t");
        // the tombstone written again with a fence moved, by an engine whose profile TTL is a minute
        ProfileState moved = new ProfileState("t", tombstone.version() + 1, Map.of(), ProfileState.NONE,
                SeenEvents.empty(), Map.of("p-0", 5L), tombstone.erasedAt());
        assertThat(store.writeAll(List.of(new ProfileWrite(moved, tombstone.version(), Map.of("p-0", 5L),
                Duration.ofMinutes(1))))).extracting(WriteOutcome::status).containsExactly(WriteOutcome.Status.WRITTEN);
        assertThat(client.pttl(prefix + "t")).isBetween(Duration.ofDays(2).toMillis() - 60_000, Duration.ofDays(2).toMillis());
        assertThat(store.loadAll(List.of("t")).get("t").erasedAt()).isEqualTo(T0.plusSeconds(60).toEpochMilli());
    }

    @Test
    void aProfileThisStoreCannotReadCanStillBeErased() {
        String prefix = prefix();
        RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix(prefix).build();
        client.hset(prefix + "bad", Map.of("s", "{\"v\":99,\"from\":\"a later version\"}", "v", "7", "l", "p"));
        assertThatThrownBy(() -> store.loadAll(List.of("bad"))).isInstanceOf(ProfileStoreException.class)
                .hasMessageContaining(prefix + "bad");
        store.erase("bad", T0);
        ProfileState tombstone = store.loadAll(List.of("bad")).get("bad");
        assertThat(tombstone.erased()).isTrue();
        assertThat(tombstone.version()).isEqualTo(8);
        assertThat(tombstone.erasedAt()).isEqualTo(T0.toEpochMilli());
    }

    @Test
    void aBatchOfAThousandLoadsOrWritesIsOneRoundTrip() {
        String prefix = prefix();
        RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix(prefix).build();
        List<ProfileWrite> writes = new ArrayList<>();
        List<String> users = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            users.add("u" + i);
            writes.add(new ProfileWrite(state("u" + i, 1, Map.of()), 0, Map.of(), Duration.ZERO));
        }
        store.writeAll(List.of(writes.get(0))); // the script is loaded from here on
        long trips = store.roundTrips();
        long evalsha = commandCalls("evalsha");
        assertThat(store.writeAll(writes.subList(1, 1000))).hasSize(999).allMatch(WriteOutcome::written);
        assertThat(store.roundTrips() - trips).isEqualTo(1);
        assertThat(commandCalls("evalsha") - evalsha).as("script calls of up to %d users each",
                WriteScript.WRITES_PER_CALL).isEqualTo((999 + WriteScript.WRITES_PER_CALL - 1)
                / WriteScript.WRITES_PER_CALL);

        long hget = commandCalls("hget");
        assertThat(store.loadAll(users)).hasSize(1000);
        assertThat(store.roundTrips() - trips).isEqualTo(2);
        assertThat(commandCalls("hget") - hget).isEqualTo(1000);
    }

    @Test
    void afterScriptFlushWritesReloadTheScriptAndTotalsStayExact() {
        RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix(prefix()).build();
        try (ProfileEngine engine = ProfileEngine.builder().reducer(Purchases.REDUCER).store(store)
                .clock(new MutableClock(T0.plusSeconds(3600))).build()) {
            long evals = commandCalls("eval");
            int n = 0;
            for (int batch = 0; batch < 10; batch++) {
                if (batch == 5) {
                    client.scriptFlush();
                    assertThat(client.scriptExists(List.of(WriteScript.WRITE_SCRIPT_SHA))).containsExactly(false);
                }
                List<Event> events = new ArrayList<>();
                for (int i = 0; i < 100; i++, n++) {
                    events.add(purchase("sf-" + n, "user-" + (n % 7), n));
                }
                assertThat(engine.recordAll(events).join()).allMatch(r -> r.applied());
            }
            // the batch's 7 users share one script call: it alone is sent again by EVAL, later batches use EVALSHA
            assertThat(commandCalls("eval") - evals).as("EVAL calls after the flush").isEqualTo(1);
            assertThat(client.scriptExists(List.of(WriteScript.WRITE_SCRIPT_SHA))).containsExactly(true);
            long total = 0;
            for (int u = 0; u < 7; u++) {
                Profile p = engine.get("user-" + u).orElseThrow();
                long expected = (1000 + 6 - u) / 7;
                assertThat(p.getLong("purchases")).as("user-" + u).contains(expected);
                assertThat(p.getDecimal("revenue")).contains(CENT.multiply(BigDecimal.valueOf(expected)));
                total += p.getLong("purchases").orElseThrow();
            }
            assertThat(total).isEqualTo(1000);
        }
    }

    @Test
    void writesThatLandedBeforeTheCallFailedAreRecognisedOnReloadAndHeardOnce() {
        RedisProfileStore redisStore = RedisProfileStore.builder(client).keyPrefix(prefix()).build();
        AtomicInteger failuresLeft = new AtomicInteger(1);
        io.profilekit.spi.ProfileStore landsThenFails = new io.profilekit.spi.ProfileStore() {
            @Override
            public Map<String, ProfileState> loadAll(java.util.Collection<String> userIds) {
                return redisStore.loadAll(userIds);
            }

            @Override
            public List<WriteOutcome> writeAll(List<ProfileWrite> writes) {
                List<WriteOutcome> out = redisStore.writeAll(writes);
                if (failuresLeft.getAndDecrement() > 0) {
                    throw new JedisConnectionException("connection reset while reading the replies");
                }
                return out;
            }

            @Override
            public void erase(String userId, Instant erasedAt) {
                redisStore.erase(userId, erasedAt);
            }
        };
        Map<String, Integer> heard = new java.util.concurrent.ConcurrentHashMap<>();
        try (ProfileEngine engine = ProfileEngine.builder().reducer(Purchases.REDUCER).store(landsThenFails)
                .clock(new MutableClock(T0.plusSeconds(3600))).storeRetries(2, Duration.ZERO)
                .listener(c -> heard.merge(c.userId(), 1, Integer::sum)).build()) {
            List<io.profilekit.SourcedEvent> batch = new ArrayList<>();
            for (int i = 0; i < 70; i++) {
                batch.add(new io.profilekit.SourcedEvent(purchase("lf-" + i, "user-" + (i % 7), i), "user-events-0", i));
            }

            assertThat(engine.applyBatch(batch)).allMatch(r -> r.applied());

            // the states read back from Redis equal the ones written, fences and recent ids included
            assertThat(engine.metrics().writesRecovered()).isEqualTo(7);
            assertThat(heard).hasSize(7).allSatisfy((user, times) -> assertThat(times).as(user).isEqualTo(1));
            for (int u = 0; u < 7; u++) {
                assertThat(engine.get("user-" + u).orElseThrow().getLong("purchases")).contains(10L);
            }
        }
    }

    @Test
    void connectionRefusedIsAProfileStoreExceptionWithTheJedisCause() throws Exception {
        int port = TestRedis.freePort();
        try (RedisClient nowhere = RedisClient.create("127.0.0.1", port)) {
            RedisProfileStore store = RedisProfileStore.builder(nowhere).build();
            assertThatThrownBy(() -> store.loadAll(List.of("u1")))
                    .isInstanceOf(ProfileStoreException.class)
                    .hasMessage("Redis failed loading 1 profile(s) (first at key " + store.key("u1") + "): Failed to connect to 127.0.0.1:"
                            + port + ".")
                    .hasCauseInstanceOf(JedisConnectionException.class);
            assertThatThrownBy(() -> store.writeAll(List.of(new ProfileWrite(state("u1", 1, Map.of()), 0, Map.of(),
                    Duration.ZERO))))
                    .isInstanceOf(ProfileStoreException.class)
                    .hasMessageStartingWith("Redis failed writing 1 profile(s) (first at key " + store.key("u1") + "): ")
                    .hasCauseInstanceOf(JedisConnectionException.class);
            try (ProfileEngine engine = ProfileEngine.builder().reducer(Purchases.REDUCER).store(store)
                    .clock(new MutableClock(T0)).storeRetries(2, Duration.ofMillis(1)).build()) {
                assertThatThrownBy(() -> engine.record(purchase("x", "u1", 0)).join())
                        .isInstanceOf(CompletionException.class)
                        .cause().isInstanceOf(ProfileStoreException.class)
                        .hasMessageContaining("Failed to connect to 127.0.0.1:" + port)
                        .hasCauseInstanceOf(JedisConnectionException.class);
                assertThat(engine.metrics().storeFailures()).as("the first try and 2 retries").isEqualTo(3);
            }
        }
    }

    @Test
    void aScriptErrorIsAProfileStoreExceptionNamingTheKey() {
        String prefix = prefix();
        RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix(prefix).build();
        client.set(prefix + "wrongtype", "not a hash");
        assertThatThrownBy(() -> store.writeAll(List.of(new ProfileWrite(state("wrongtype", 1, Map.of()), 0,
                Map.of(), Duration.ZERO))))
                .isInstanceOf(ProfileStoreException.class)
                .hasMessageStartingWith("Redis failed writing the profile at key " + prefix + "wrongtype: ")
                .hasMessageContaining("WRONGTYPE")
                .hasCauseInstanceOf(JedisDataException.class);
        assertThat(client.get(prefix + "wrongtype")).isEqualTo("not a hash");
    }

    @Test
    void aCorruptStoredStateIsRefusedNamingTheKeyAndTheProblem() {
        String prefix = prefix();
        RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix(prefix).build();
        client.hset(prefix + "bad", Map.of("s", "{\"v\":1,\"user\":\"bad\",\"version\":\"seven\"}", "v", "7"));
        assertThatThrownBy(() -> store.loadAll(List.of("bad")))
                .isInstanceOf(ProfileStoreException.class)
                .hasMessage("Redis key " + prefix + "bad holds a profile this store cannot read: "
                        + "profile state at version: expected an integer, got \"seven\"")
                .hasCauseInstanceOf(IllegalArgumentException.class);
        client.hset(prefix + "other", Map.of("s", "{\"v\":1,\"user\":\"someone-else\",\"version\":1}", "v", "1"));
        assertThatThrownBy(() -> store.loadAll(List.of("other")))
                .isInstanceOf(ProfileStoreException.class)
                .hasMessage("Redis key " + prefix + "other holds the profile of user \"someone-else\", not of \"other\"");
    }

    @Test
    void aCorruptStoredStateRejectsItsUsersEventsAndTheRestOfTheBatchIsApplied() {
        String prefix = prefix();
        RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix(prefix).build();
        try (ProfileEngine engine = ProfileEngine.builder().reducer(Purchases.REDUCER).store(store)
                .clock(new MutableClock(T0.plusSeconds(3600))).build()) {
            engine.recordAll(List.of(purchase("a1", "good", 1), purchase("b1", "bad", 2))).join();
            client.hset(prefix + "bad", "s", "{\"v\":9,\"user\":\"bad\"}");

            assertThatThrownBy(() -> store.loadAll(List.of("good", "bad", "nobody")))
                    .isInstanceOfSatisfying(UnreadableProfilesException.class, e -> {
                        assertThat(e.readable()).containsOnlyKeys("good");
                        assertThat(e.problems()).containsOnlyKeys("bad");
                        assertThat(e.problems().get("bad")).startsWith("Redis key " + prefix + "bad holds a profile"
                                + " this store cannot read: ");
                    });
            List<RecordResult> results = engine.recordAll(List.of(purchase("a2", "good", 3), purchase("b2", "bad", 4),
                    purchase("c1", "new", 5))).join();
            assertThat(results).extracting(RecordResult::outcome).containsExactly(RecordResult.Outcome.APPLIED,
                    RecordResult.Outcome.REJECTED, RecordResult.Outcome.APPLIED);
            assertThat(results.get(1).violations().toString()).contains("the stored profile of user bad cannot be read")
                    .contains(prefix + "bad");
            assertThat(engine.get("good").orElseThrow().getLong("purchases")).contains(2L);
            assertThat(engine.get("new")).isPresent();
            assertThat(client.hget(prefix + "bad", "s")).as("left for inspection").isEqualTo("{\"v\":9,\"user\":\"bad\"}");
            engine.erase("bad"); // still erasable
            assertThat(engine.get("bad")).isEmpty();
        }
    }

    @Test
    void twoEnginesOnOneRedisHammeringHotUsersGiveExactTotals() throws Exception {
        String prefix = prefix();
        String[] hot = {"hot-0", "hot-1", "hot-2"};
        int threadsPerEngine = 3;
        int eventsPerThread = 1500;
        MutableClock clock = new MutableClock(T0.plusSeconds(3600));
        try (RedisClient c1 = redis.client(); RedisClient c2 = redis.client();
             ProfileEngine e1 = ProfileEngine.builder().reducer(Purchases.REDUCER).clock(clock)
                     .store(RedisProfileStore.builder(c1).keyPrefix(prefix).build()).build();
             ProfileEngine e2 = ProfileEngine.builder().reducer(Purchases.REDUCER).clock(clock)
                     .store(RedisProfileStore.builder(c2).keyPrefix(prefix).build()).build()) {
            ProfileEngine[] engines = {e1, e2};
            ExecutorService pool = Executors.newFixedThreadPool(2 * threadsPerEngine);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 2 * threadsPerEngine; t++) {
                    int thread = t;
                    ProfileEngine engine = engines[t % 2];
                    futures.add(pool.submit(() -> {
                        List<Event> batch = new ArrayList<>();
                        for (int i = 0; i < eventsPerThread; i++) {
                            batch.add(purchase("h" + thread + "-" + i, hot[i % hot.length], i));
                            if (batch.size() == 1 + thread % 3 * 10) {
                                engine.recordAll(batch).join();
                                batch.clear();
                            }
                        }
                        if (!batch.isEmpty()) {
                            engine.recordAll(batch).join();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get(5, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
            }
            long perUser = 2L * threadsPerEngine * eventsPerThread / hot.length;
            for (String u : hot) {
                Profile p = e1.get(u).orElseThrow();
                assertThat(p.getLong("purchases")).as(u).contains(perUser);
                assertThat(p.getDecimal("revenue")).as(u).contains(CENT.multiply(BigDecimal.valueOf(perUser)));
                assertThat(e2.get(u).orElseThrow().version()).isEqualTo(p.version());
            }
            assertThat(e1.metrics().applied() + e2.metrics().applied()).isEqualTo(2L * threadsPerEngine * eventsPerThread);
            assertThat(e1.metrics().writeConflicts() + e2.metrics().writeConflicts())
                    .as("two engines on the same users must have raced at least once").isPositive();
        }
    }

    @Test
    void theEraseTimeIsKeptWhenErasedAgainEarlier() {
        RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix(prefix()).build();
        Instant late = T0.plusSeconds(600);
        store.erase("twice", late);
        store.erase("twice", T0);
        ProfileState tomb = store.loadAll(List.of("twice")).get("twice");
        assertThat(tomb.erasedAt()).isEqualTo(late.toEpochMilli());
        assertThat(tomb.version()).isEqualTo(2);
    }
}
