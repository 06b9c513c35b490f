package io.profilekit.redis;

import io.profilekit.Event;
import io.profilekit.MutableClock;
import io.profilekit.Profile;
import io.profilekit.ProfileEngine;
import io.profilekit.ProfileReducer;
import io.profilekit.ProfileStoreException;
import io.profilekit.op.CappedSet;
import io.profilekit.op.Counter;
import io.profilekit.spi.SessionState;
import io.profilekit.spi.SessionWrite;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisDataException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Redis session store: compare-and-set, the idle index, erasure, and sessions outliving an engine. */
class RedisSessionStoreTest extends RedisTestBase {
    static final long T = Instant.parse("2026-11-28T10:00:00Z").toEpochMilli();
    static final AtomicInteger N = new AtomicInteger();

    /** A store with its own prefix and index, so that tests do not see each other's sessions. */
    static RedisSessionStore store() {
        int n = N.incrementAndGet();
        return RedisSessionStore.builder(client).keyPrefix("s" + n + ":").indexKey("idle" + n).build();
    }

    static SessionState session(String user, String id, long start, long last, long version) {
        return new SessionState(user, id, false, start, last, 2, 1,
                Map.of("events", new Counter(2, last), "urls", new CappedSet(5, List.of(new CappedSet.Member("/a", last)))),
                version);
    }

    @Test
    void writesAreCompareAndSetOnTheVersion() {
        RedisSessionStore store = store();
        assertThat(store.write(session("u", "s1", T, T + 1, 1))).isTrue();
        assertThat(store.write(session("u", "s1", T, T + 2, 1))).as("version 1 again").isFalse();
        assertThat(store.write(session("u", "s1", T, T + 3, 3))).as("skipping version 2").isFalse();
        assertThat(store.loadAll(List.of("u"))).containsEntry("u", session("u", "s1", T, T + 1, 1));
        assertThat(store.write(session("u", "s1", T, T + 4, 2))).isTrue();
        assertThat(store.loadAll(List.of("u", "nobody"))).containsOnlyKeys("u")
                .containsEntry("u", session("u", "s1", T, T + 4, 2));
        assertThat(client.hget(store.key("u"), "v")).isEqualTo("2");
        assertThat(client.hget(store.key("u"), "s")).startsWith("{\"v\":1,\"user\":\"u\",\"id\":\"s1\",");
    }

    @Test
    void removeNeedsTheStoredVersionAndSession() {
        RedisSessionStore store = store();
        store.write(session("u", "s1", T, T + 1, 1));
        store.write(session("u", "s1", T, T + 2, 2));
        assertThat(store.remove("u", "s1", 1)).as("an older version").isFalse();
        assertThat(store.remove("u", "s0", 2)).as("another session").isFalse();
        assertThat(store.loadAll(List.of("u"))).containsKey("u");
        assertThat(store.remove("u", "s1", 2)).isTrue();
        assertThat(store.loadAll(List.of("u"))).isEmpty();
        assertThat(store.remove("u", "s1", 2)).as("already gone").isFalse();
        // a new session for the user starts from version 1 again
        assertThat(store.write(session("u", "s2", T + 10, T + 10, 1))).isTrue();
    }

    @Test
    void idleReturnsTheSessionsEndedByTheCutoffOldestFirstUpToTheLimit() {
        RedisSessionStore store = store();
        store.write(session("c", "c", T, T + 30, 1));
        store.write(session("a", "a", T, T + 10, 1));
        store.write(session("d", "d", T, T + 50, 1));
        store.write(session("b", "b", T, T + 20, 1));
        assertThat(store.idle(T + 30, 10)).extracting(SessionState::userId).containsExactly("a", "b", "c");
        assertThat(store.idle(T + 30, 2)).extracting(SessionState::userId).containsExactly("a", "b");
        assertThat(store.idle(T + 9, 10)).isEmpty();
        // a later write moves the session out of the idle range
        store.write(session("a", "a", T, T + 60, 2));
        assertThat(store.idle(T + 30, 10)).extracting(SessionState::userId).containsExactly("b", "c");
    }

    @Test
    void idleTrustsTheSessionsOverTheIndexAndRepairsIt() {
        RedisSessionStore store = store();
        store.write(session("moved", "m", T, T + 100, 1));
        store.write(session("gone", "g", T, T + 5, 1));
        store.write(session("idle", "i", T, T + 7, 1));
        // an index entry behind its session (a write whose index update was lost), and a removed session
        client.zadd(store.indexKey(), T + 1, "moved");
        assertThat(store.remove("gone", "g", 1)).isTrue();
        assertThat(client.zscore(store.indexKey(), "gone")).isEqualTo((double) (T + 5));

        assertThat(store.idle(T + 50, 10)).extracting(SessionState::userId).containsExactly("idle");
        assertThat(client.zscore(store.indexKey(), "moved")).isEqualTo((double) (T + 100));
        assertThat(client.zscore(store.indexKey(), "gone")).isNull();
        assertThat(client.zscore(store.indexKey(), "idle")).isEqualTo((double) (T + 7));
    }

    @Test
    void aLosingWriteStillLeavesTheWinnerFindable() {
        RedisSessionStore store = store();
        store.write(session("u", "s", T, T + 10, 1));
        assertThat(store.write(session("u", "s", T, T + 500, 1))).isFalse(); // lost the race, index says T + 500
        assertThat(store.idle(T + 100, 10)).isEmpty();
        assertThat(store.idle(T + 500, 10)).extracting(SessionState::lastEvent).containsExactly(T + 10);
    }

    @Test
    void eraseRemovesTheSessionAndItsIndexEntryWhateverTheVersion() {
        RedisSessionStore store = store();
        store.write(session("u", "s", T, T + 1, 1));
        store.write(session("u", "s", T, T + 2, 2));
        store.write(session("v", "s", T, T + 3, 1));
        store.erase("u");
        store.erase("nobody");
        assertThat(client.exists(store.key("u"))).isFalse();
        assertThat(client.zscore(store.indexKey(), "u")).isNull();
        assertThat(store.loadAll(List.of("u", "v"))).containsOnlyKeys("v");
    }

    @Test
    void sessionsSurviveANewStoreOnTheSameRedis() {
        RedisSessionStore first = store();
        first.write(session("u", "s", T, T + 1, 1));
        try (RedisClient other = redis.client()) {
            RedisSessionStore second = RedisSessionStore.builder(other).keyPrefix(first.key("")).indexKey(first.indexKey())
                    .build();
            assertThat(second.loadAll(List.of("u"))).containsEntry("u", session("u", "s", T, T + 1, 1));
            assertThat(second.idle(T + 1, 10)).extracting(SessionState::sessionId).containsExactly("s");
            assertThat(second.write(session("u", "s", T, T + 2, 2))).isTrue();
        }
        assertThat(first.loadAll(List.of("u")).get("u").version()).isEqualTo(2);
    }

    @Test
    void scriptsReloadThemselvesAfterScriptFlush() {
        RedisSessionStore store = store();
        store.write(session("u", "s", T, T + 1, 1));
        client.scriptFlush();
        assertThat(store.write(session("u", "s", T, T + 2, 2))).isTrue();
        client.scriptFlush();
        assertThat(store.remove("u", "s", 2)).isTrue();
    }

    @Test
    void anUnreadableIdleSessionIsLeftOutAndTheOthersStillEnd() {
        RedisSessionStore store = store();
        store.write(session("a", "a", T, T + 10, 1));
        store.write(session("bad", "b", T, T + 20, 1));
        client.hset(store.key("bad"), "s", "{\"v\":1,\"user\":\"bad\",\"events\":\"many\"}");
        store.write(session("c", "c", T, T + 30, 1));

        assertThat(store.idle(T + 30, 10)).extracting(SessionState::userId).containsExactly("a", "c");
        assertThat(client.zscore(store.indexKey(), "bad")).as("out of the index").isNull();
        assertThat(client.hget(store.key("bad"), "s")).as("the key left for inspection").contains("many");
    }

    @Test
    void aFailedIndexUpdateFailsTheWriteNamingTheIndex() {
        RedisSessionStore store = store();
        client.set(store.indexKey(), "not a sorted set");
        assertThatThrownBy(() -> store.write(session("u", "s1", T, T + 1, 1)))
                .isInstanceOf(ProfileStoreException.class)
                .hasMessageContaining("index " + store.indexKey()).hasMessageContaining("WRONGTYPE");
    }

    @Test
    void aKeyHoldingSomethingElseGivesAClearError() {
        RedisSessionStore store = store();
        client.hset(store.key("bad"), Map.of("s", "{\"v\":1,\"user\":\"bad\",\"events\":\"many\"}", "v", "1"));
        assertThatThrownBy(() -> store.loadAll(List.of("bad")))
                .isInstanceOf(ProfileStoreException.class)
                .hasMessage("Redis key " + store.key("bad") + " holds a session this store cannot read:"
                        + " session state at events: expected an integer, got \"many\"");
        assertThatThrownBy(() -> RedisSessionStore.builder(client).keyPrefix("x:").indexKey("x:idle").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not start with keyPrefix");
    }

    @Test
    void aSessionRecordedByOneEngineIsCommittedOnceByAnEngineBuiltLater() {
        Instant t0 = Instant.ofEpochMilli(T);
        MutableClock clock = new MutableClock(t0.plus(Duration.ofMinutes(10)));
        ProfileReducer reducer = ProfileReducer.builder()
                .on("page_view", (e, p) -> p.increment("page_views"))
                .session((e, s) -> s.increment("events"))
                .build();
        int n = N.incrementAndGet();
        RedisProfileStore profiles = RedisProfileStore.builder(client).keyPrefix("ep" + n + ":").build();
        RedisSessionStore sessions = RedisSessionStore.builder(client).keyPrefix("es" + n + ":").indexKey("eidle" + n)
                .build();
        try (ProfileEngine first = ProfileEngine.builder().reducer(reducer).clock(clock).scheduler(false)
                .store(profiles).sessions(Duration.ofMinutes(30)).sessionStore(sessions).build()) {
            for (int minute : new int[] {0, 4, 9}) {
                first.record(Event.of("u", "page_view").at(t0.plusSeconds(60L * minute)).withId("e" + minute)
                        .with("url", "/p" + minute)).join();
            }
            assertThat(first.session("u").orElseThrow().events()).isEqualTo(3);
        }
        assertThat(client.exists(sessions.key("u"))).isTrue();

        // the application restarts: new stores, new engines, on the same Redis
        RedisProfileStore profiles2 = RedisProfileStore.builder(client).keyPrefix("ep" + n + ":").build();
        RedisSessionStore sessions2 = RedisSessionStore.builder(client).keyPrefix("es" + n + ":").indexKey("eidle" + n)
                .build();
        clock.set(t0.plus(Duration.ofMinutes(60)));
        try (ProfileEngine second = ProfileEngine.builder().reducer(reducer).clock(clock).scheduler(false)
                .store(profiles2).sessions(Duration.ofMinutes(30)).sessionStore(sessions2).build();
             ProfileEngine third = ProfileEngine.builder().reducer(reducer).clock(clock).scheduler(false)
                     .store(profiles2).sessions(Duration.ofMinutes(30)).sessionStore(sessions2).build()) {
            assertThat(second.session("u").orElseThrow().events()).isEqualTo(3);
            second.maintain();
            third.maintain();
            second.maintain();
            Profile p = second.get("u").orElseThrow();
            assertThat(p.getLong("sessions")).contains(1L);
            assertThat(p.getLong("page_views")).contains(3L);
            assertThat(p.getLong("last_session_duration")).contains(Duration.ofMinutes(9).toMillis());
            assertThat(p.getLong("last_session.events")).contains(3L);
            assertThat(second.session("u")).isEmpty();
            assertThat(client.exists(sessions.key("u"))).isFalse();
            assertThat(second.metrics().sessionsCommitted() + third.metrics().sessionsCommitted()).isEqualTo(1);
        }
    }

    @Test
    void writeAllAppliesEachWriteInOrderInOneRoundTrip() {
        RedisSessionStore store = store();
        store.write(session("b", "b", T, T + 1, 1));
        store.write(session("c", "c", T, T + 1, 1));
        List<SessionWrite> writes = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            writes.add(SessionWrite.store(session("u" + i, "s" + i, T, T + i, 1)));
        }
        writes.add(SessionWrite.store(session("u7", "s7", T, T + 500, 2))); // on top of the write before it
        writes.add(SessionWrite.store(session("b", "b", T, T + 2, 1))); // b is at version 1 already
        writes.add(SessionWrite.remove(session("c", "c", T, T + 1, 1)));
        writes.add(SessionWrite.remove(session("b", "other", T, T + 1, 1))); // not b's session
        long trips = store.roundTrips();
        boolean[] applied = store.writeAll(writes);
        assertThat(store.roundTrips() - trips).isEqualTo(1);
        for (int i = 0; i < 201; i++) {
            assertThat(applied[i]).as("write %d", i).isTrue();
        }
        assertThat(Arrays.copyOfRange(applied, 201, 204)).containsExactly(false, true, false);
        assertThat(store.loadAll(List.of("u0", "u7", "u199", "b", "c"))).containsOnlyKeys("u0", "u7", "u199", "b")
                .containsEntry("u7", session("u7", "s7", T, T + 500, 2))
                .containsEntry("b", session("b", "b", T, T + 1, 1));
        assertThat(client.zscore(store.indexKey(), "u7")).isEqualTo((double) (T + 500));
        assertThat(client.zscore(store.indexKey(), "u199")).isEqualTo((double) (T + 199));
    }

    @Test
    void writeAllSendsTheCallsAnsweredNoscriptAgainInOrder() {
        RedisSessionStore store = store();
        store.writeAll(List.of(SessionWrite.store(session("warm", "w", T, T, 1))));
        client.scriptFlush();
        long trips = store.roundTrips();
        boolean[] applied = store.writeAll(List.of(SessionWrite.store(session("u", "s", T, T + 1, 1)),
                SessionWrite.store(session("u", "s", T, T + 2, 2)), SessionWrite.remove(session("warm", "w", T, T, 1))));
        assertThat(applied).containsExactly(true, true, true);
        assertThat(store.roundTrips() - trips).as("EVALSHA, then EVAL for the refused calls").isEqualTo(2);
        assertThat(store.loadAll(List.of("u", "warm"))).containsOnlyKeys("u")
                .containsEntry("u", session("u", "s", T, T + 2, 2));
    }

    @Test
    void writeAllKeepsAUsersWritesInOrderWhenOnlyOneOfTheScriptsWasRefused() {
        RedisSessionStore store = store();
        store.write(session("u", "s", T, T + 1, 1));
        client.scriptFlush();
        assertThat(store.remove("nobody", "x", 1)).isFalse(); // loads the remove script again, not the write script
        // the session moves to version 2, then ends: the remove must see the write before it
        boolean[] applied = store.writeAll(List.of(SessionWrite.store(session("u", "s", T, T + 2, 2)),
                SessionWrite.remove(session("u", "s", T, T + 2, 2))));
        assertThat(applied).containsExactly(true, true);
        assertThat(store.loadAll(List.of("u"))).isEmpty();
    }

    @Test
    void anEraseRedisRefusesFailsNamingTheKeyInsteadOfLeavingTheSession() {
        RedisSessionStore store = store();
        store.write(session("u", "s", T, T + 1, 1));
        TestRedis.command(client, "ACL", "SETUSER", "nodel", "on", ">pw", "~*", "+@all", "-del");
        try (RedisClient limited = RedisClient.builder().hostAndPort(new HostAndPort("127.0.0.1", redis.port()))
                .clientConfig(DefaultJedisClientConfig.builder().user("nodel").password("pw").build()).build()) {
            RedisSessionStore same = RedisSessionStore.builder(limited).keyPrefix(store.key("")).indexKey(store.indexKey())
                    .build();
            assertThatThrownBy(() -> same.erase("u"))
                    .isInstanceOf(ProfileStoreException.class)
                    .hasMessageContaining(store.key("u")).hasMessageContaining("NOPERM")
                    .hasCauseInstanceOf(JedisDataException.class);
        } finally {
            TestRedis.command(client, "ACL", "DELUSER", "nodel");
        }
        assertThat(client.exists(store.key("u"))).isTrue();
    }

    @Test
    void anEngineWritesABatchsSessionsInOneRoundTrip() {
        Instant t0 = Instant.ofEpochMilli(T);
        MutableClock clock = new MutableClock(t0.plus(Duration.ofHours(2)));
        ProfileReducer reducer = ProfileReducer.builder()
                .on("page_view", (e, p) -> p.increment("page_views"))
                .session((e, s) -> s.increment("events"))
                .build();
        int n = N.incrementAndGet();
        RedisSessionStore sessions = RedisSessionStore.builder(client).keyPrefix("bs" + n + ":").indexKey("bidle" + n)
                .build();
        try (ProfileEngine engine = ProfileEngine.builder().reducer(reducer).clock(clock).scheduler(false)
                .store(RedisProfileStore.builder(client).keyPrefix("bp" + n + ":").build())
                .sessions(Duration.ofMinutes(30)).sessionStore(sessions).build()) {
            List<Event> batch = new ArrayList<>();
            for (int u = 0; u < 300; u++) {
                batch.add(Event.of("u" + u, "page_view").at(t0.plusSeconds(u)).withId("a" + u).with("url", "/a"));
                batch.add(Event.of("u" + u, "page_view").at(t0.plusSeconds(60 + u)).withId("b" + u).with("url", "/b"));
            }
            long trips = sessions.roundTrips();
            engine.recordAll(batch).join();
            assertThat(sessions.roundTrips() - trips).as("one load, one write").isEqualTo(2);
            assertThat(engine.session("u123").orElseThrow().events()).isEqualTo(2);
            assertThat(client.zcard("bidle" + n)).isEqualTo(300);
        }
    }
}
