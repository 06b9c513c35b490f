package io.profilekit.redis;

import io.profilekit.CountingStore;
import io.profilekit.InMemoryProfileStore;
import io.profilekit.MutableClock;
import io.profilekit.ProfileEngine;
import io.profilekit.ProfileStoreException;
import io.profilekit.StaleCopiesException;
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileWrite;
import io.profilekit.spi.SeenEvents;
import io.profilekit.spi.WriteOutcome;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static io.profilekit.redis.Purchases.T0;
import static io.profilekit.redis.Purchases.purchase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The near cache on an in-memory store with a counting wrapper; time is a fake ticker. */
class NearCachedProfileStoreTest {
    final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    final CountingStore shared = new CountingStore(new InMemoryProfileStore());

    NearCachedProfileStore.Builder cache() {
        return NearCachedProfileStore.builder(shared).ticker(nanos::get).maxStaleness(Duration.ofMillis(500))
                .lastKnownGoodRetention(Duration.ofMinutes(10));
    }

    void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    static ProfileState state(String user, long version) {
        return new ProfileState(user, version, Map.of(), T0.toEpochMilli() + version, SeenEvents.empty(), Map.of(),
                ProfileState.NONE);
    }

    static ProfileWrite write(String user, long version) {
        return new ProfileWrite(state(user, version), version - 1, Map.of(), Duration.ZERO);
    }

    @Test
    void aFreshCopyAnswersWithoutCallingTheStoreUntilItIsTooOld() {
        NearCachedProfileStore near = cache().build();
        shared.delegate.writeAll(List.of(write("u1", 1)));
        assertThat(near.loadAll(List.of("u1", "nobody"))).containsOnlyKeys("u1");
        assertThat(shared.loadCalls.get()).isEqualTo(1);

        advance(Duration.ofMillis(500));
        assertThat(near.loadAll(List.of("u1", "nobody")).get("u1").version()).isEqualTo(1);
        assertThat(shared.loadCalls.get()).as("absent users are cached too").isEqualTo(1);
        assertThat(near.hits()).isEqualTo(2);

        advance(Duration.ofNanos(1));
        near.loadAll(List.of("u1"));
        assertThat(shared.loadCalls.get()).isEqualTo(2);
    }

    @Test
    void anUnreadableProfileIsDroppedFromTheCacheAndTheReadableOnesAreCachedAndReturnedWithTheFailure() {
        NearCachedProfileStore near = cache().serveStaleWhenDown(true).build();
        shared.delegate.writeAll(List.of(write("u1", 1), write("u2", 1), write("u3", 1)));
        near.loadAll(List.of("u1", "u2"));
        advance(Duration.ofSeconds(1)); // both copies too old to answer
        near.loadAll(List.of("u3")); // u3 fresh in the cache
        shared.failNext = new io.profilekit.UnreadableProfilesException(Map.of("u1", state("u1", 1)),
                Map.of("u2", "key u2 holds a profile in format 9"), null);
        assertThatThrownBy(() -> near.loadAll(List.of("u1", "u2", "u3")))
                .isInstanceOfSatisfying(io.profilekit.UnreadableProfilesException.class, e -> {
                    assertThat(e.readable()).containsOnlyKeys("u1", "u3");
                    assertThat(e.problems()).containsOnlyKeys("u2");
                });
        assertThat(near.lastKnownGood("u2")).as("no old copy stands in for what the store holds").isEmpty();
        assertThat(near.lastKnownGood("u1")).isPresent();
    }

    @Test
    void ownWritesAreSeenAtOnceOthersAfterMaxStaleness() {
        NearCachedProfileStore a = cache().build();
        NearCachedProfileStore b = cache().build();
        a.writeAll(List.of(write("u1", 1)));
        assertThat(a.loadAll(List.of("u1")).get("u1").version()).isEqualTo(1);
        assertThat(shared.loadCalls.get()).as("own write served from the cache").isZero();

        assertThat(b.loadAll(List.of("u1")).get("u1").version()).isEqualTo(1);
        b.writeAll(List.of(write("u1", 2)));
        assertThat(a.loadAll(List.of("u1")).get("u1").version()).as("other instance's write, within staleness")
                .isEqualTo(1);
        advance(Duration.ofMillis(501));
        assertThat(a.loadAll(List.of("u1")).get("u1").version()).isEqualTo(2);
    }

    @Test
    void aWriteFromAStaleCopyConflictsDropsTheCopyAndTheEngineRetriesToExactTotals() {
        MutableClock clock = new MutableClock(T0.plusSeconds(3600));
        NearCachedProfileStore near = cache().build();
        try (ProfileEngine mine = ProfileEngine.builder().reducer(Purchases.REDUCER).store(near).clock(clock).build();
             ProfileEngine other = ProfileEngine.builder().reducer(Purchases.REDUCER).store(shared).clock(clock).build()) {
            assertThat(mine.record(purchase("e1", "u1", 1)).join().applied()).isTrue();
            assertThat(other.record(purchase("e2", "u1", 2)).join().applied()).isTrue();
            assertThat(mine.record(purchase("e3", "u1", 3)).join().applied()).isTrue();
            assertThat(mine.metrics().writeConflicts()).isEqualTo(1);
            assertThat(other.get("u1").orElseThrow().getLong("purchases")).contains(3L);
            assertThat(mine.get("u1").orElseThrow().getLong("purchases")).contains(3L);
        }
    }

    @Test
    void whenTheStoreIsDownLoadsAreServedFromLastKnownGoodIfAsked() {
        NearCachedProfileStore strict = cache().build();
        NearCachedProfileStore lenient = cache().serveStaleWhenDown(true).build();
        shared.delegate.writeAll(List.of(write("u1", 1)));
        strict.loadAll(List.of("u1", "nobody"));
        lenient.loadAll(List.of("u1", "nobody"));
        advance(Duration.ofMinutes(3));

        shared.failNext = new ProfileStoreException("Redis is down");
        assertThatThrownBy(() -> strict.loadAll(List.of("u1"))).hasMessage("Redis is down");

        shared.failNext = new ProfileStoreException("Redis is down");
        assertThatThrownBy(() -> lenient.loadAll(List.of("u1", "nobody")))
                .as("the copies are offered as what they are: stale")
                .isInstanceOfSatisfying(StaleCopiesException.class, stale -> {
                    assertThat(stale).hasMessage("Redis is down");
                    assertThat(stale.copies()).containsOnlyKeys("u1");
                    assertThat(stale.copies().get("u1").version()).isEqualTo(1);
                    assertThat(stale.ages()).containsEntry("u1", Duration.ofMinutes(3))
                            .containsEntry("nobody", Duration.ofMinutes(3));
                });
        assertThat(lenient.staleServed()).isEqualTo(2);

        shared.failNext = new ProfileStoreException("Redis is down");
        assertThatThrownBy(() -> lenient.loadAll(List.of("u1", "never-loaded")))
                .as("a user without a copy cannot be answered").hasMessage("Redis is down")
                .isNotInstanceOf(StaleCopiesException.class);

        assertThat(lenient.lastKnownGood("u1")).hasValueSatisfying(c -> {
            assertThat(c.state().version()).isEqualTo(1);
            assertThat(c.age()).isEqualTo(Duration.ofMinutes(3));
        });
        assertThat(lenient.lastKnownGood("nobody")).isEmpty();
        advance(Duration.ofMinutes(8));
        assertThat(lenient.lastKnownGood("u1")).as("past the retention").isEmpty();
    }

    @Test
    void aFailedOrRefusedWriteDropsTheCopies() {
        NearCachedProfileStore near = cache().build();
        near.writeAll(List.of(write("u1", 1), write("u2", 1)));
        shared.failNext = new ProfileStoreException("timeout");
        assertThatThrownBy(() -> near.writeAll(List.of(write("u1", 2)))).hasMessage("timeout");
        assertThat(near.lastKnownGood("u1")).isEmpty();
        assertThat(near.lastKnownGood("u2")).isPresent();

        assertThat(near.writeAll(List.of(write("u2", 5)))).extracting(WriteOutcome::status)
                .containsExactly(WriteOutcome.Status.CONFLICT);
        assertThat(near.lastKnownGood("u2")).isEmpty();
    }

    @Test
    void eraseDropsTheCopy() {
        NearCachedProfileStore near = cache().build();
        near.writeAll(List.of(write("u1", 1)));
        near.erase("u1", T0.plusSeconds(5));
        ProfileState s = near.loadAll(List.of("u1")).get("u1");
        assertThat(s.erased()).isTrue();
        assertThat(s.version()).isEqualTo(2);
    }

    @Test
    void aLoadThatReadAnOlderVersionNeverReplacesANewerOwnWrite() {
        shared.delegate.writeAll(List.of(write("u1", 1)));
        AtomicReference<NearCachedProfileStore> near = new AtomicReference<>();
        CountingStore racing = new CountingStore(shared.delegate) {
            @Override
            public Map<String, ProfileState> loadAll(Collection<String> ids) {
                Map<String, ProfileState> read = delegate.loadAll(ids);
                // while the answer travels back, another thread of this instance writes version 2
                near.get().writeAll(List.of(write("u1", 2)));
                return read;
            }
        };
        near.set(NearCachedProfileStore.builder(racing).ticker(nanos::get).build());
        assertThat(near.get().loadAll(List.of("u1")).get("u1").version()).as("what the load read").isEqualTo(1);
        assertThat(near.get().lastKnownGood("u1").orElseThrow().state().version()).isEqualTo(2);
        assertThat(near.get().loadAll(List.of("u1")).get("u1").version()).isEqualTo(2);
    }

    @Test
    void aLoadThatRacedAnEraseDoesNotPutTheErasedProfileBack() {
        shared.delegate.writeAll(List.of(write("u1", 1)));
        AtomicReference<NearCachedProfileStore> near = new AtomicReference<>();
        CountingStore racing = new CountingStore(shared.delegate) {
            boolean erased;

            @Override
            public Map<String, ProfileState> loadAll(Collection<String> ids) {
                Map<String, ProfileState> read = delegate.loadAll(ids);
                if (!erased) {
                    erased = true;
                    // while the answer travels back, another thread of this instance erases the user
                    near.get().erase("u1", T0.plusSeconds(5));
                }
                return read;
            }
        };
        near.set(NearCachedProfileStore.builder(racing).ticker(nanos::get).build());
        assertThat(near.get().loadAll(List.of("u1")).get("u1").erased()).as("what the racing load read").isFalse();
        assertThat(near.get().lastKnownGood("u1").orElseThrow().state().erased()).isTrue();
        assertThat(near.get().loadAll(List.of("u1")).get("u1").erased()).isTrue();
    }

    @Test
    void theCacheIsBounded() {
        NearCachedProfileStore near = cache().maximumSize(10).build();
        List<ProfileWrite> writes = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            writes.add(write("u" + i, 1));
            ids.add("u" + i);
        }
        near.writeAll(writes);
        assertThat(near.loadAll(ids)).hasSize(100);
        assertThat(near.size()).isLessThanOrEqualTo(10);
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> cache().maximumSize(0)).hasMessage("maximumSize must be at least 1, got 0");
        assertThatThrownBy(() -> cache().maxStaleness(Duration.ofMinutes(20)).build())
                .hasMessage("lastKnownGoodRetention (PT10M) must be at least maxStaleness (PT20M)");
    }
}
