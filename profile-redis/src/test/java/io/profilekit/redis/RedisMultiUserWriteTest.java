package io.profilekit.redis;

import io.profilekit.ProfileStoreException;
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileWrite;
import io.profilekit.spi.WriteOutcome;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.profilekit.redis.WriteScript.WRITES_PER_CALL;
import static io.profilekit.redis.RedisProfileStoreTest.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One script call writes many users: each must still get exactly what a call of its own would give it. */
class RedisMultiUserWriteTest extends RedisTestBase {
    static final AtomicInteger PREFIX = new AtomicInteger();

    static String prefix() {
        return "m" + PREFIX.incrementAndGet() + ":";
    }

    static long commandCalls(String command) {
        Matcher m = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(client.info("commandstats"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    static ProfileWrite write(String user, long expectedVersion, Map<String, Long> fences, Duration ttl) {
        return new ProfileWrite(state(user, expectedVersion + 1, fences), expectedVersion, fences, ttl);
    }

    @Test
    void usersOfOneCallGetTheirOwnOutcomes() {
        String prefix = prefix();
        RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix(prefix).build();
        store.writeAll(List.of(write("conflict", 0, Map.of(), Duration.ZERO),
                write("stale", 0, Map.of("p", 10L, "q", -3L), Duration.ZERO),
                write("stale-negative", 0, Map.of("p", 1L, "q", -3L), Duration.ZERO)));
        store.writeAll(List.of(write("conflict", 1, Map.of(), Duration.ZERO)));

        long calls = commandCalls("evalsha");
        List<WriteOutcome> outcomes = store.writeAll(List.of(
                write("first", 0, Map.of("p", 1L), Duration.ZERO),
                write("conflict", 0, Map.of(), Duration.ZERO),                    // stored version is 2
                write("middle", 0, Map.of(), Duration.ZERO),
                write("stale", 1, Map.of("p", 9L, "q", -2L), Duration.ZERO),       // p behind 10
                write("stale-negative", 1, Map.of("p", 2L, "q", -4L), Duration.ZERO), // q behind -3
                write("last", 0, Map.of("p", 1L, "q", 5L), Duration.ofMinutes(1))));

        assertThat(commandCalls("evalsha") - calls).as("one script call").isEqualTo(1);
        assertThat(outcomes).extracting(WriteOutcome::userId)
                .containsExactly("first", "conflict", "middle", "stale", "stale-negative", "last");
        assertThat(outcomes).extracting(WriteOutcome::status).containsExactly(WriteOutcome.Status.WRITTEN,
                WriteOutcome.Status.CONFLICT, WriteOutcome.Status.WRITTEN, WriteOutcome.Status.STALE_FENCE,
                WriteOutcome.Status.STALE_FENCE, WriteOutcome.Status.WRITTEN);
        assertThat(client.hgetAll(prefix + "conflict")).containsEntry("v", "2");
        assertThat(client.hgetAll(prefix + "stale")).containsEntry("v", "1").containsEntry("f:p", "10")
                .containsEntry("f:q", "-3");
        assertThat(client.hgetAll(prefix + "stale-negative")).containsEntry("v", "1").containsEntry("f:p", "1");
        assertThat(store.loadAll(List.of("first", "middle", "last"))).containsOnly(
                Map.entry("first", state("first", 1, Map.of("p", 1L))),
                Map.entry("middle", state("middle", 1, Map.of())),
                Map.entry("last", state("last", 1, Map.of("p", 1L, "q", 5L))));
        assertThat(client.hgetAll(prefix + "last")).containsOnlyKeys("s", "v", "l", "f:p", "f:q")
                .containsEntry("f:q", "5");
    }

    @Test
    void negativeFencesBeyondDoublePrecisionCompareExactly() {
        String prefix = prefix();
        RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix(prefix).build();
        long a = -9_007_199_254_740_993L; // -(2^53 + 1): a double cannot tell it from -(2^53)
        store.writeAll(List.of(write("newer", 0, Map.of("q", a), Duration.ZERO),
                write("older", 0, Map.of("q", a + 1), Duration.ZERO),
                write("shorter", 0, Map.of("q", -10L), Duration.ZERO)));
        List<WriteOutcome> outcomes = store.writeAll(List.of(
                write("newer", 1, Map.of("q", a + 1), Duration.ZERO),      // -(2^53) is after -(2^53 + 1)
                write("older", 1, Map.of("q", a), Duration.ZERO),          // -(2^53 + 1) is before -(2^53)
                write("shorter", 1, Map.of("q", -9L), Duration.ZERO)));    // -9 is after -10
        assertThat(outcomes).extracting(WriteOutcome::status).containsExactly(WriteOutcome.Status.WRITTEN,
                WriteOutcome.Status.STALE_FENCE, WriteOutcome.Status.WRITTEN);
        assertThat(client.hget(prefix + "newer", "f:q")).isEqualTo(Long.toString(a + 1));
        assertThat(client.hget(prefix + "older", "f:q")).isEqualTo(Long.toString(a + 1));
    }

    @Test
    void aBatchOfMoreUsersThanOneCallTakesIsStillOneRoundTrip() {
        String prefix = prefix();
        RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix(prefix).build();
        int n = 3 * WRITES_PER_CALL + 1;
        List<ProfileWrite> writes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // users with 0, 1 or 2 fences, so that each call's arguments are of mixed lengths
            Map<String, Long> fences = i % 3 == 0 ? Map.of() : i % 3 == 1 ? Map.of("p", (long) i)
                    : Map.of("p", (long) i, "q", -(long) i);
            writes.add(write("u" + i, 0, fences, i % 2 == 0 ? Duration.ZERO : Duration.ofMinutes(10)));
        }
        store.writeAll(List.of(write("loads-the-script", 0, Map.of(), Duration.ZERO)));
        long trips = store.roundTrips();
        long calls = commandCalls("evalsha");

        assertThat(store.writeAll(writes)).hasSize(n).allMatch(WriteOutcome::written);
        assertThat(store.roundTrips() - trips).isEqualTo(1);
        assertThat(commandCalls("evalsha") - calls).isEqualTo(4);
        Map<String, ProfileState> loaded = store.loadAll(writes.stream().map(ProfileWrite::userId).toList());
        for (ProfileWrite w : writes) {
            assertThat(loaded.get(w.userId())).as(w.userId()).isEqualTo(w.state());
            Map<String, String> hash = client.hgetAll(prefix + w.userId());
            assertThat(hash.get("v")).as(w.userId()).isEqualTo("1");
            assertThat(hash).as(w.userId()).hasSize(3 + w.state().fences().size());
            w.state().fences().forEach((source, offset) ->
                    assertThat(hash.get("f:" + source)).as(w.userId()).isEqualTo(Long.toString(offset)));
            long ttl = client.pttl(prefix + w.userId());
            if (w.ttl().isZero()) {
                assertThat(ttl).as(w.userId()).isEqualTo(-1L);
            } else {
                assertThat(ttl).as(w.userId()).isBetween(500_000L, 600_000L);
            }
        }
    }

    @Test
    void afterScriptFlushEveryCallOfABatchIsSentAgainByEval() {
        String prefix = prefix();
        RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix(prefix).build();
        store.writeAll(List.of(write("before", 0, Map.of(), Duration.ZERO)));
        client.scriptFlush();
        assertThat(client.scriptExists(List.of(WriteScript.WRITE_SCRIPT_SHA))).containsExactly(false);
        int n = 2 * WRITES_PER_CALL + 5;
        List<ProfileWrite> writes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            writes.add(write("u" + i, 0, Map.of("p", (long) i), Duration.ZERO));
        }
        long trips = store.roundTrips();
        long evals = commandCalls("eval");

        assertThat(store.writeAll(writes)).hasSize(n).allMatch(WriteOutcome::written);
        assertThat(store.roundTrips() - trips).as("EVALSHA, then EVAL for the refused calls").isEqualTo(2);
        assertThat(commandCalls("eval") - evals).isEqualTo(3);
        assertThat(client.scriptExists(List.of(WriteScript.WRITE_SCRIPT_SHA))).containsExactly(true);
        Map<String, ProfileState> loaded = store.loadAll(writes.stream().map(ProfileWrite::userId).toList());
        assertThat(loaded).hasSize(n);
        for (ProfileWrite w : writes) {
            assertThat(loaded.get(w.userId())).as(w.userId()).isEqualTo(w.state());
        }
    }

    @Test
    void layoutChangesInsideOneCallRebuildExactlyTheKeysWhoseLayoutChanged() {
        String prefix = prefix();
        RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix(prefix).build();
        store.writeAll(List.of(
                write("new-source", 0, Map.of("p-0", 1L), Duration.ofMinutes(5)),
                write("ttl-set", 0, Map.of(), Duration.ZERO),
                write("ttl-dropped", 0, Map.of("p-0", 1L, "p-1", 2L), Duration.ofMinutes(5)),
                write("same", 0, Map.of("p-0", 1L), Duration.ZERO)));
        // fields no write gives: a rebuilt hash loses them, a hash written in place keeps them
        for (String user : List.of("new-source", "ttl-set", "ttl-dropped", "same")) {
            client.hset(prefix + user, "x", "stray");
        }
        long dels = commandCalls("del");
        long calls = commandCalls("evalsha");

        assertThat(store.writeAll(List.of(
                write("new-source", 1, Map.of("p-0", 2L, "p-1", 7L), Duration.ofMinutes(5)),
                write("ttl-set", 1, Map.of("p-0", 3L), Duration.ofHours(1)),
                write("brand-new", 0, Map.of("p-1", 4L), Duration.ZERO),
                write("ttl-dropped", 1, Map.of("p-0", 5L), Duration.ZERO),
                write("same", 1, Map.of("p-0", 6L), Duration.ZERO))))
                .allMatch(WriteOutcome::written);

        assertThat(commandCalls("evalsha") - calls).as("one script call").isEqualTo(1);
        assertThat(commandCalls("del") - dels).as("new-source, ttl-set and ttl-dropped rebuilt").isEqualTo(3);
        assertThat(client.hgetAll(prefix + "new-source")).containsOnlyKeys("s", "v", "l", "f:p-0", "f:p-1")
                .containsEntry("v", "2").containsEntry("l", "e3:p-03:p-1").containsEntry("f:p-0", "2")
                .containsEntry("f:p-1", "7");
        assertThat(client.pttl(prefix + "new-source")).isBetween(200_000L, 300_000L);
        assertThat(client.hgetAll(prefix + "ttl-set")).containsOnlyKeys("s", "v", "l", "f:p-0")
                .containsEntry("v", "2").containsEntry("l", "e3:p-0").containsEntry("f:p-0", "3");
        assertThat(client.pttl(prefix + "ttl-set")).isBetween(3_500_000L, 3_600_000L);
        assertThat(client.hgetAll(prefix + "brand-new")).containsOnlyKeys("s", "v", "l", "f:p-1")
                .containsEntry("v", "1").containsEntry("l", "p3:p-1").containsEntry("f:p-1", "4");
        assertThat(client.pttl(prefix + "brand-new")).isEqualTo(-1L);
        assertThat(client.hgetAll(prefix + "ttl-dropped")).containsOnlyKeys("s", "v", "l", "f:p-0")
                .containsEntry("v", "2").containsEntry("l", "p3:p-0").containsEntry("f:p-0", "5");
        assertThat(client.pttl(prefix + "ttl-dropped")).isEqualTo(-1L);
        assertThat(client.hgetAll(prefix + "same")).containsOnlyKeys("s", "v", "l", "f:p-0", "x")
                .containsEntry("v", "2").containsEntry("l", "p3:p-0").containsEntry("f:p-0", "6");
        assertThat(client.pttl(prefix + "same")).isEqualTo(-1L);
        assertThat(store.loadAll(List.of("new-source", "ttl-set", "brand-new", "ttl-dropped", "same")))
                .containsOnly(Map.entry("new-source", state("new-source", 2, Map.of("p-0", 2L, "p-1", 7L))),
                        Map.entry("ttl-set", state("ttl-set", 2, Map.of("p-0", 3L))),
                        Map.entry("brand-new", state("brand-new", 1, Map.of("p-1", 4L))),
                        Map.entry("ttl-dropped", state("ttl-dropped", 2, Map.of("p-0", 5L))),
                        Map.entry("same", state("same", 2, Map.of("p-0", 6L))));
    }

    @Test
    void anErrorOnOneKeyNamesThatKeyAndTheOtherUsersOfTheCallAreWritten() {
        String prefix = prefix();
        RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix(prefix).build();
        client.set(prefix + "wrongtype", "not a hash");
        assertThatThrownBy(() -> store.writeAll(List.of(write("before", 0, Map.of("p", 1L), Duration.ZERO),
                write("wrongtype", 0, Map.of(), Duration.ZERO), write("after", 0, Map.of("p", 2L), Duration.ZERO))))
                .isInstanceOf(ProfileStoreException.class)
                .hasMessageStartingWith("Redis failed writing the profile at key " + prefix + "wrongtype: WRONGTYPE")
                .hasCauseInstanceOf(JedisDataException.class);
        assertThat(client.get(prefix + "wrongtype")).isEqualTo("not a hash");
        assertThat(client.hget(prefix + "before", "f:p")).isEqualTo("1");
        assertThat(client.hget(prefix + "after", "f:p")).isEqualTo("2");
    }

    @Test
    void callsTakeTheBatchInOrderUpToTheirSize() {
        byte[][] keys = keys("pk:a", "pk:b", "pk:c", "pk:d", "pk:e", "pk:f", "pk:g");
        assertThat(WriteScript.plan(keys, 3, false))
                .containsExactly(new int[] {0, 1, 2}, new int[] {3, 4, 5}, new int[] {6});
        assertThat(WriteScript.plan(keys, 7, false)).containsExactly(new int[] {0, 1, 2, 3, 4, 5, 6});
        assertThat(WriteScript.plan(keys, 1, false)).hasSize(7);
    }

    @Test
    void onAClusterACallHoldsTheKeysOfOneHashSlotOnly() {
        // hash tags put keys in the slot of the tag: {a} and {b} are two slots, the untagged keys their own
        byte[][] keys = keys("pk:{a}1", "pk:{b}1", "pk:{a}2", "pk:x", "pk:{a}3", "pk:{b}2", "pk:{a}4", "pk:{a}5");
        assertThat(JedisClusterCRC16.getSlot("pk:{a}1")).isNotEqualTo(JedisClusterCRC16.getSlot("pk:{b}1"));
        List<int[]> calls = WriteScript.plan(keys, 2, true);
        assertThat(calls).containsExactly(new int[] {0, 2}, new int[] {4, 6}, new int[] {7}, new int[] {1, 5},
                new int[] {3});
        Map<Integer, Integer> seen = new HashMap<>();
        for (int[] call : calls) {
            int slot = JedisClusterCRC16.getSlot(keys[call[0]]);
            for (int i : call) {
                assertThat(JedisClusterCRC16.getSlot(keys[i])).as("key %d", i).isEqualTo(slot);
                assertThat(seen.put(i, slot)).as("key %d in two calls", i).isNull();
            }
        }
        assertThat(seen).hasSize(keys.length);
        assertThat(RedisProfileStore.isCluster(client)).as("a RedisClient is no cluster client").isFalse();
    }

    private static byte[][] keys(String... keys) {
        return Arrays.stream(keys).map(k -> k.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
    }
}
