package io.profilekit;

import io.profilekit.RecordResult.Outcome;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ErasureAndFallbackTest {
    static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    final MutableClock clock = new MutableClock(T0.plus(Duration.ofHours(1)));
    final ProfileReducer reducer = ProfileReducer.builder()
            .on("page_view", (e, p) -> p.increment("page_views").set("last_url", e.string("url")))
            .build();

    /** An engine on {@code store}, on the test's clock, without a scheduler. */
    ProfileEngine engine(io.profilekit.spi.ProfileStore store) {
        return ProfileEngine.builder().reducer(reducer).clock(clock).store(store).scheduler(false).build();
    }

    static Event view(String user, int minute) {
        return Event.of(user, "page_view").at(T0.plusSeconds(60L * minute)).withId(user + "-" + minute)
                .with("url", "/p" + minute);
    }

    @Test
    void eraseThenReplayOfEveryEventLeavesNoProfile() {
        List<String> erased = new ArrayList<>();
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).scheduler(false)
                .sessions(Duration.ofMinutes(30)).listener(new ProfileChangeListener() {
                    @Override
                    public void onChange(ProfileChange change) {
                    }

                    @Override
                    public void onErase(String userId, Instant at) {
                        erased.add(userId + "@" + at);
                    }
                }).build()) {
            List<Event> all = List.of(view("u", 1), view("u", 2), view("u", 3));
            e.recordAll(all).join();
            assertThat(e.session("u")).isPresent();
            e.erase("u");
            assertThat(e.get("u")).isEmpty();
            assertThat(e.session("u")).isEmpty();
            assertThat(erased).containsExactly("u@" + clock.instant());

            assertThat(e.recordAll(all).join()).extracting(RecordResult::outcome).containsOnly(Outcome.ERASED);
            assertThat(e.get("u")).isEmpty();
            assertThat(e.metrics().erased()).isEqualTo(3);

            assertThat(e.record(view("u", 61)).join().outcome()).isEqualTo(Outcome.APPLIED);
            assertThat(e.get("u").orElseThrow().getLong("page_views")).contains(1L);
        }
    }

    @Test
    void anEventStampedAheadOfTheClockAndAppliedBeforeTheEraseIsDroppedWhenReplayed() {
        List<Instant> erasedAt = new ArrayList<>();
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).scheduler(false)
                .listener(new ProfileChangeListener() {
                    @Override
                    public void onChange(ProfileChange change) {
                    }

                    @Override
                    public void onErase(String userId, Instant at) {
                        erasedAt.add(at);
                    }
                }).build()) {
            // the clock reads T0 + 1 h; the event says T0 + 1 h 30 min, within the allowed skew
            Event ahead = view("u", 90);
            assertThat(e.record(ahead).join().outcome()).isEqualTo(Outcome.APPLIED);
            clock.advance(Duration.ofMinutes(1));
            e.erase("u");
            assertThat(erasedAt).containsExactly(ahead.timestamp());

            assertThat(e.record(ahead).join().outcome()).as("the replay").isEqualTo(Outcome.ERASED);
            assertThat(e.get("u")).isEmpty();
            assertThat(e.record(view("u", 91)).join().outcome()).isEqualTo(Outcome.APPLIED);
            assertThat(e.get("u").orElseThrow().getLong("page_views")).contains(1L);
        }
    }

    @Test
    void aProfileTheStoreCannotReadIsErasedAtTheClocksTime() {
        CountingStore store = new CountingStore(new InMemoryProfileStore());
        try (ProfileEngine e = engine(store)) {
            e.record(view("u", 1)).join();
            store.failNext = new ProfileStoreException("Redis key u holds a profile this store cannot read");
            e.erase("u");
            io.profilekit.spi.ProfileState tombstone = store.delegate.loadAll(List.of("u")).get("u");
            assertThat(tombstone.erased()).isTrue();
            assertThat(tombstone.erasedAt()).isEqualTo(clock.millis());
        }
    }

    @Test
    void afterAnEraseAStoreOutageServesNoProfileNotTheErasedCopy() {
        CountingStore store = new CountingStore(new InMemoryProfileStore());
        try (ProfileEngine e = engine(store)) {
            e.record(view("u", 1)).join();
            assertThat(e.get("u")).isPresent(); // the engine keeps a copy
            e.erase("u");
            store.failNext = new IllegalStateException("redis down");
            assertThat(e.get("u")).as("the tombstone is the copy now").isEmpty();
        }
    }

    @Test
    void aStoreOutageOnReadServesTheLastKnownGoodCopyMarkedStale() {
        CountingStore store = new CountingStore(new InMemoryProfileStore());
        try (ProfileEngine e = engine(store)) {
            e.record(view("u", 1)).join();
            assertThat(e.get("u").orElseThrow().freshness()).isEqualTo(Profile.Freshness.FRESH);
            clock.advance(Duration.ofSeconds(42));
            store.failNext = new IllegalStateException("redis down");
            Profile stale = e.get("u").orElseThrow();
            assertThat(stale.freshness().stale()).isTrue();
            assertThat(stale.freshness().age()).isEqualTo(Duration.ofSeconds(42));
            assertThat(stale.getLong("page_views")).contains(1L);

            store.failNext = new IllegalStateException("redis down");
            assertThatThrownBy(() -> e.get("never-read"))
                    .isInstanceOf(ProfileStoreException.class).hasMessageContaining("redis down");
        }
    }

    @Test
    void theLastKnownGoodCopyFollowsThisEnginesWrites() {
        CountingStore store = new CountingStore(new InMemoryProfileStore());
        try (ProfileEngine e = engine(store)) {
            e.record(view("u", 1)).join();
            e.get("u");
            e.record(view("u", 2)).join();
            store.failNext = new IllegalStateException("down");
            assertThat(e.get("u").orElseThrow().getLong("page_views")).contains(2L);
        }
    }

    @Test
    void copiesAStoreOffersWhenItFailsAreServedMarkedStaleTheYoungerCopyWinning() {
        CountingStore store = new CountingStore(new InMemoryProfileStore());
        try (ProfileEngine e = engine(store)) {
            e.recordAll(List.of(view("u", 1), view("v", 1))).join();
            assertThat(e.get("u")).isPresent(); // the engine's own copy of u, taken now
            io.profilekit.spi.ProfileState storedV = store.delegate.loadAll(List.of("v")).get("v");
            io.profilekit.spi.ProfileState storedU = store.delegate.loadAll(List.of("u")).get("u");
            e.record(view("u", 2)).join();
            clock.advance(Duration.ofMinutes(5));

            // the store's copy of u is older than the engine's; it also vouches that "gone" has no profile
            store.failNext = new StaleCopiesException(new ProfileStoreException("Redis is down"),
                    java.util.Map.of("u", storedU, "v", storedV),
                    java.util.Map.of("u", Duration.ofMinutes(9), "v", Duration.ofSeconds(20), "gone", Duration.ofSeconds(20)));
            java.util.Map<String, Profile> served = e.getAll(List.of("u", "v", "gone"));

            assertThat(served).containsOnlyKeys("u", "v");
            assertThat(served.get("v").freshness()).isEqualTo(new Profile.Freshness(true, Duration.ofSeconds(20)));
            assertThat(served.get("u").freshness()).as("the engine's copy, younger")
                    .isEqualTo(new Profile.Freshness(true, Duration.ofMinutes(5)));
            assertThat(served.get("u").getLong("page_views")).as("kept current by the engine's write").contains(2L);

            store.failNext = new StaleCopiesException(new ProfileStoreException("Redis is down"),
                    java.util.Map.of(), java.util.Map.of("v", Duration.ofSeconds(20)));
            assertThatThrownBy(() -> e.getAll(List.of("v", "w"))).as("w has no copy anywhere")
                    .isInstanceOf(StaleCopiesException.class);
        }
    }

    @Test
    void aWriteOutageIsRetriedWithBackoffThenFailsTheCaller() {
        CountingStore store = new CountingStore(new InMemoryProfileStore()) {
            @Override
            public List<io.profilekit.spi.WriteOutcome> writeAll(List<io.profilekit.spi.ProfileWrite> batch) {
                writeCalls.incrementAndGet();
                throw new IllegalStateException("READONLY You can't write against a read only replica");
            }
        };
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).store(store).scheduler(false)
                .storeRetries(2, Duration.ZERO).build()) {
            assertThatThrownBy(() -> e.record(view("u", 1)).join())
                    .hasCauseInstanceOf(ProfileStoreException.class).hasMessageContaining("READONLY");
            assertThat(store.writeCalls.get()).isEqualTo(3);
            assertThat(e.metrics().storeFailures()).isEqualTo(3);
        }
    }

    @Test
    void eraseListenersAddedToARunningEngineHearEachEraseUntilRemovedAndAFailingOneIsCounted() {
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).scheduler(false).build()) {
            List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.function.BiConsumer<String, Instant> listener = (user, at) -> heard.add(user + "@" + at);
            java.util.function.BiConsumer<String, Instant> failing = (user, at) -> {
                throw new IllegalStateException("listener down");
            };
            e.erase("before");
            e.addEraseListener(listener);
            e.addEraseListener(failing);
            e.erase("a");
            assertThat(heard).containsExactly("a@" + clock.instant());
            assertThat(e.metrics().callbackFailures()).isEqualTo(1);
            assertThat(e.removeEraseListener(listener)).isTrue();
            assertThat(e.removeEraseListener(listener)).isFalse();
            e.erase("b");
            assertThat(heard).containsExactly("a@" + clock.instant());
            assertThat(e.metrics().callbackFailures()).isEqualTo(2);
            assertThat(e.get("b")).isEmpty();
        }
    }

    @Test
    void aBatchListenerHearsAChangeBeforeAnEraseThatFollowsTheWriteCanBeHeard() throws Exception {
        java.util.concurrent.CountDownLatch inEngineListener = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).scheduler(false)
                .listener(change -> {
                    // the engine's own listener runs once the users are unlocked: an erase can come now
                    inEngineListener.countDown();
                    try {
                        release.await(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                }).build()) {
            e.addEraseListener((user, at) -> heard.add("tombstone " + user));
            Thread applying = new Thread(() -> e.applyBatch(List.of(new SourcedEvent(view("u", 1), "p-0", 7)),
                    change -> heard.add("change " + change.userId())));
            applying.start();
            assertThat(inEngineListener.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            e.erase("u");
            release.countDown();
            applying.join(10_000);
            assertThat(heard).containsExactly("change u", "tombstone u");
        }
    }
}
