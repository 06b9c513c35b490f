package io.profilekit;

import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileStore;
import io.profilekit.spi.ProfileWrite;
import io.profilekit.spi.SeenEvents;
import io.profilekit.spi.WriteOutcome;
import io.profilekit.spi.WriteOutcome.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The behaviour every {@link ProfileStore} must have. A store's test extends this class and
 * implements {@link #createStore()}; every store, ProfileKit's or a third party's, runs the same
 * suite. Published in the profile-core test-jar.
 *
 * <pre>{@code
 * class MyStoreTest extends ProfileStoreContract {
 *     protected ProfileStore createStore() { return new MyStore(...); }
 * }
 * }</pre>
 */
public abstract class ProfileStoreContract {
    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private static final ProfileReducer REDUCER = ProfileReducer.builder()
            .onEvery((e, p) -> p.set("last_type", e.type())
                    .setOnce("first_seen", e.timestamp())
                    .increment("events")
                    .add("amount", e.decimal("amount"))
                    .add("ratio", e.doubleValue("ratio"))
                    .max("max_amount", e.decimal("amount"))
                    .min("min_amount", e.decimal("amount"))
                    .recent("recent", e.string("item"), 5)
                    .setAdd("items", e.string("item"), 5)
                    .decay("engagement", 2.5, Duration.ofDays(7))
                    .windowedCount("daily", Duration.ofDays(1), Duration.ofHours(1))
                    .topN("top_items", e.string("item"), 3)
                    .set("nested", e.map("nested"))
                    .set("flag", e.bool("flag")))
            .build();

    protected ProfileStore store;

    /** A new, empty store; called before each test. */
    protected abstract ProfileStore createStore();

    @BeforeEach
    void openStore() {
        store = createStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    /** A state holding every operation family and every value type, as a reducer makes it. */
    protected static ProfileState richState(String userId, long version) {
        Map<String, io.profilekit.op.Operation> attrs = new HashMap<>();
        SeenEvents.Builder seen = SeenEvents.empty().toBuilder(16);
        for (int i = 0; i < 3; i++) {
            Event e = Event.of(userId, "custom").withId("e-" + i).at(T0.plusSeconds(i * 60L))
                    .with("amount", new BigDecimal("19.99").add(BigDecimal.valueOf(i)))
                    .with("ratio", 0.25 * i)
                    .with("item", "sku-" + (i % 2))
                    .with("flag", i % 2 == 0)
                    .with("nested", Map.of("list", List.of(1L, "two", 3.5), "when", "x"));
            Delta d = REDUCER.reduce(e);
            for (int k = 0; k < d.size(); k++) {
                attrs.merge(d.name(k), d.operation(k), io.profilekit.op.Operation::merge);
            }
            seen.add(e.timestamp().toEpochMilli(), io.profilekit.internal.Hashing.hash64(e.eventId()));
        }
        attrs.put("unset_attr", new io.profilekit.op.LastWrite(null, false, T0.toEpochMilli(), 7));
        return new ProfileState(userId, version, attrs, T0.plusSeconds(120).toEpochMilli(), seen.build(),
                Map.of("user-events-0", 41L), ProfileState.NONE);
    }

    private static ProfileWrite write(ProfileState state, Map<String, Long> fences) {
        return new ProfileWrite(state, state.version() - 1, fences, Duration.ZERO);
    }

    private static ProfileState withVersion(ProfileState s, long version, Map<String, Long> fences) {
        return new ProfileState(s.userId(), version, s.attributes(), s.lastEventTime(), s.seenEvents(), fences,
                s.erasedAt());
    }

    @Test
    void loadingUnknownUsersFindsNothing() {
        assertThat(store.loadAll(List.of("nobody", "no-one"))).isEmpty();
    }

    @Test
    void aNewProfileIsWrittenAndLoadedBackEqual() {
        ProfileState s = richState("u1", 1);
        assertThat(store.writeAll(List.of(write(s, Map.of()))))
                .containsExactly(new WriteOutcome("u1", Status.WRITTEN));
        Map<String, ProfileState> loaded = store.loadAll(List.of("u1"));
        assertThat(loaded).containsOnlyKeys("u1");
        assertThat(loaded.get("u1")).isEqualTo(s);
        assertThat(Profile.of(loaded.get("u1"), T0.plusSeconds(300)))
                .isEqualTo(Profile.of(s, T0.plusSeconds(300)));
    }

    @Test
    void everyValueTypeSurvivesTheRoundTrip() {
        ProfileState s = richState("u-types", 1);
        store.writeAll(List.of(write(s, Map.of())));
        Profile p = Profile.of(store.loadAll(List.of("u-types")).get("u-types"), T0.plusSeconds(300));
        assertThat(p.get("first_seen")).containsInstanceOf(Instant.class);
        assertThat(p.getDecimal("amount")).contains(new BigDecimal("62.97"));
        assertThat(p.get("amount")).containsInstanceOf(BigDecimal.class);
        assertThat(p.get("events")).contains(3L);
        assertThat(p.getBoolean("flag")).contains(true);
        assertThat(p.get("nested")).contains(Map.of("list", List.of(1L, "two", 3.5), "when", "x"));
        assertThat(p.getList("recent")).containsExactly("sku-0", "sku-1", "sku-0");
        assertThat(p.has("unset_attr")).isFalse();
    }

    @Test
    void aWriteFromAStaleVersionConflictsAndChangesNothing() {
        ProfileState v1 = richState("u2", 1);
        store.writeAll(List.of(write(v1, Map.of())));
        ProfileState stale = withVersion(ProfileState.empty("u2"), 1, Map.of());
        assertThat(store.writeAll(List.of(write(stale, Map.of()))))
                .containsExactly(new WriteOutcome("u2", Status.CONFLICT));
        ProfileState wrongExpected = withVersion(v1, 5, Map.of());
        assertThat(store.writeAll(List.of(write(wrongExpected, Map.of()))))
                .containsExactly(new WriteOutcome("u2", Status.CONFLICT));
        assertThat(store.loadAll(List.of("u2")).get("u2")).isEqualTo(v1);
    }

    @Test
    void versionsAdvanceOneWriteAtATime() {
        ProfileState s = richState("u3", 1);
        for (long v = 1; v <= 5; v++) {
            assertThat(store.writeAll(List.of(write(withVersion(s, v, Map.of()), Map.of())))).extracting(WriteOutcome::status)
                    .containsExactly(Status.WRITTEN);
        }
        assertThat(store.loadAll(List.of("u3")).get("u3").version()).isEqualTo(5);
    }

    @Test
    void aWriteBehindTheStoredFenceIsReportedStale() {
        ProfileState s = richState("u4", 1);
        store.writeAll(List.of(write(withVersion(s, 1, Map.of("p-0", 10L)), Map.of("p-0", 10L))));
        ProfileState again = withVersion(s, 2, Map.of("p-0", 10L));
        assertThat(store.writeAll(List.of(write(again, Map.of("p-0", 10L)))))
                .containsExactly(new WriteOutcome("u4", Status.STALE_FENCE));
        assertThat(store.loadAll(List.of("u4")).get("u4").version()).isEqualTo(1);

        ProfileState ahead = withVersion(s, 2, Map.of("p-0", 11L, "p-1", 0L));
        assertThat(store.writeAll(List.of(write(ahead, Map.of("p-0", 11L, "p-1", 0L)))))
                .containsExactly(new WriteOutcome("u4", Status.WRITTEN));
        ProfileState loaded = store.loadAll(List.of("u4")).get("u4");
        assertThat(loaded.fence("p-0")).isEqualTo(11);
        assertThat(loaded.fence("p-1")).isZero();
        assertThat(loaded.fence("p-2")).isEqualTo(-1);
    }

    @Test
    void aBatchGivesEachUserItsOwnOutcomeInOrder() {
        store.writeAll(List.of(write(richState("b1", 1), Map.of())));
        List<ProfileWrite> batch = List.of(
                write(richState("b0", 1), Map.of()),
                write(richState("b1", 1), Map.of()),
                write(richState("b2", 1), Map.of()));
        assertThat(store.writeAll(batch)).extracting(WriteOutcome::userId, WriteOutcome::status)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("b0", Status.WRITTEN),
                        org.assertj.core.groups.Tuple.tuple("b1", Status.CONFLICT),
                        org.assertj.core.groups.Tuple.tuple("b2", Status.WRITTEN));
        assertThat(store.loadAll(List.of("b0", "b1", "b2", "b3"))).containsOnlyKeys("b0", "b1", "b2");
    }

    @Test
    void aLargeBatchIsWrittenAndLoadedWhole() {
        List<ProfileWrite> batch = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            ids.add("big-" + i);
            batch.add(write(withVersion(ProfileState.empty("big-" + i), 1, Map.of()), Map.of()));
        }
        assertThat(store.writeAll(batch)).hasSize(1000).allMatch(WriteOutcome::written);
        assertThat(store.loadAll(ids)).hasSize(1000);
    }

    @Test
    void eraseLeavesATombstoneThatLaterWritesBuildOn() {
        store.writeAll(List.of(write(richState("e1", 1), Map.of())));
        Instant at = T0.plusSeconds(3600);
        store.erase("e1", at);
        ProfileState tomb = store.loadAll(List.of("e1")).get("e1");
        assertThat(tomb.erased()).isTrue();
        assertThat(tomb.erasedAt()).isEqualTo(at.toEpochMilli());
        assertThat(tomb.attributes()).isEmpty();
        assertThat(tomb.fences()).isEmpty();
        assertThat(tomb.version()).isEqualTo(2);

        store.erase("e1", T0);
        assertThat(store.loadAll(List.of("e1")).get("e1").erasedAt()).isEqualTo(at.toEpochMilli());

        ProfileState fresh = new ProfileState("e1", tomb.version() + 2, Map.of(), T0.toEpochMilli() + 7_200_000,
                SeenEvents.empty(), Map.of(), at.toEpochMilli());
        assertThat(store.writeAll(List.of(write(fresh, Map.of())))).allMatch(WriteOutcome::written);
        assertThat(store.loadAll(List.of("e1")).get("e1")).isEqualTo(fresh);
    }

    @Test
    void erasingAnUnknownUserStillLeavesATombstone() {
        store.erase("never-seen", T0);
        ProfileState tomb = store.loadAll(List.of("never-seen")).get("never-seen");
        assertThat(tomb.erased()).isTrue();
        assertThat(tomb.version()).isEqualTo(1);
    }

    @Test
    void concurrentCompareAndSetWritersLoseNoUpdate() throws Exception {
        int threads = 4;
        int perThread = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    int conflicts = 0;
                    for (int i = 0; i < perThread; i++) {
                        while (true) {
                            ProfileState cur = store.loadAll(List.of("hot")).getOrDefault("hot", ProfileState.empty("hot"));
                            long count = cur.fence("count");
                            ProfileState next = new ProfileState("hot", cur.version() + 1, Map.of(), 0L,
                                    SeenEvents.empty(), Map.of("count", count + 1), ProfileState.NONE);
                            WriteOutcome o = store.writeAll(List.of(new ProfileWrite(next, cur.version(), Map.of(),
                                    Duration.ZERO))).get(0);
                            if (o.written()) {
                                break;
                            }
                            conflicts++;
                        }
                    }
                    return conflicts;
                }));
            }
            for (Future<Integer> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        ProfileState last = store.loadAll(List.of("hot")).get("hot");
        // the first write stores count 0 (an absent fence reads -1), so N writes store N - 1
        assertThat(last.fence("count")).isEqualTo((long) threads * perThread - 1);
        assertThat(last.version()).isEqualTo((long) threads * perThread);
    }
}
