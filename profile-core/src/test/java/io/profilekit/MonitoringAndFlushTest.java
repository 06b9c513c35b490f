package io.profilekit;

import io.profilekit.spi.ProfileStore;
import io.profilekit.spi.ProfileWrite;
import io.profilekit.spi.WriteOutcome;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MonitoringAndFlushTest {
    static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    final MutableClock clock = new MutableClock(T0.plus(Duration.ofHours(1)));
    final ProfileReducer reducer = ProfileReducer.builder()
            .on("page_view", (e, p) -> p.increment("page_views").set("last_url", e.string("url"))
                    .recent("recent_pages", e.string("url"), 5))
            .critical("last_url")
            .build();

    /** An engine on {@code store} coalescing non-critical attributes for {@code interval}, without a scheduler. */
    ProfileEngine flushing(io.profilekit.spi.ProfileStore store, Duration interval) {
        return ProfileEngine.builder().reducer(reducer).clock(clock).store(store).scheduler(false)
                .flushInterval(interval).build();
    }

    static Event view(String user, int minute) {
        return Event.of(user, "page_view").at(T0.plusSeconds(60L * minute)).with("url", "/p" + minute);
    }

    @Test
    void theLatencyAlertFiresWhenTheWindowedP99CrossesAndAgainWhenItRecovers() {
        AtomicLong nanos = new AtomicLong();
        AtomicLong step = new AtomicLong(50_000_000);
        List<LatencyAlert> alerts = new ArrayList<>();
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).scheduler(false)
                .ticker(() -> nanos.addAndGet(step.get()))
                .latencyAlert(Duration.ofMillis(20), Duration.ofMinutes(1), alerts::add).build()) {
            e.record(view("u", 1)).join();
            e.maintain();
            assertThat(alerts).hasSize(1);
            assertThat(alerts.get(0).above()).isTrue();
            assertThat(alerts.get(0).p99()).isGreaterThanOrEqualTo(Duration.ofMillis(47));
            e.maintain();
            assertThat(alerts).hasSize(1);

            step.set(1_000_000);
            clock.advance(Duration.ofMinutes(2));
            e.record(view("u", 2)).join();
            e.maintain();
            assertThat(alerts).hasSize(2);
            assertThat(alerts.get(1).above()).isFalse();
            assertThat(e.metrics().eventLagNanos().count()).isEqualTo(2);
        }
    }

    @Test
    void criticalAttributesAreReadableAtOnceAndTheRestAfterOneCoalescedWritePerUser() {
        CountingStore store = new CountingStore(new InMemoryProfileStore());
        try (ProfileEngine e = flushing(store, Duration.ofMillis(200))) {
            for (int i = 0; i < 10; i++) {
                e.record(view("u", i)).join();
            }
            Profile now = e.get("u").orElseThrow();
            assertThat(now.getString("last_url")).contains("/p9");
            assertThat(now.has("page_views")).isFalse();
            int writesBefore = store.writes.get();
            e.flush();
            assertThat(store.writes.get() - writesBefore).isEqualTo(1);
            Profile later = e.get("u").orElseThrow();
            assertThat(later.getLong("page_views")).contains(10L);
            assertThat(later.getList("recent_pages")).containsExactly("/p9", "/p8", "/p7", "/p6", "/p5");
        }
    }

    @Test
    void closingTheEngineFlushesWhatIsPending() {
        InMemoryProfileStore store = new InMemoryProfileStore();
        try (ProfileEngine e = flushing(store, Duration.ofSeconds(5))) {
            e.record(view("u", 1)).join();
        }
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).store(store).build()) {
            assertThat(e.get("u").orElseThrow().getLong("page_views")).contains(1L);
        }
    }

    /** Answers every write of {@code refused} users as a conflict, as if another writer always got there first. */
    static final class RefusingStore extends CountingStore {
        final java.util.Set<String> refused;

        RefusingStore(java.util.Set<String> refused) {
            super(new InMemoryProfileStore());
            this.refused = refused;
        }

        @Override
        public List<io.profilekit.spi.WriteOutcome> writeAll(List<io.profilekit.spi.ProfileWrite> batch) {
            List<io.profilekit.spi.ProfileWrite> taken = batch.stream().filter(w -> !refused.contains(w.userId())).toList();
            java.util.Iterator<io.profilekit.spi.WriteOutcome> written = delegate.writeAll(taken).iterator();
            return batch.stream().map(w -> refused.contains(w.userId())
                    ? new io.profilekit.spi.WriteOutcome(w.userId(), io.profilekit.spi.WriteOutcome.Status.CONFLICT)
                    : written.next()).toList();
        }
    }

    @Test
    void theDeferredPartOfAUserWhoseWriteLandedIsKeptWhenTheBatchFailsForAnother() {
        RefusingStore store = new RefusingStore(java.util.Set.of("v"));
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).store(store).scheduler(false)
                .maxWriteAttempts(2).flushInterval(Duration.ofSeconds(5)).build()) {
            assertThatThrownBy(() -> e.recordAll(List.of(view("u", 1), view("v", 1))).join())
                    .hasRootCauseInstanceOf(ProfileStoreException.class).hasMessageContaining("conflicting");
            e.flush();
            Profile u = e.get("u").orElseThrow();
            assertThat(u.getString("last_url")).contains("/p1");
            assertThat(u.getLong("page_views")).as("the deferred part of the event that landed").contains(1L);
        }
    }

    @Test
    void aFlushAfterAnotherInstanceErasedTheUserLeavesTheErasedEventsOut() {
        InMemoryProfileStore store = new InMemoryProfileStore();
        try (ProfileEngine e = flushing(store, Duration.ofSeconds(5))) {
            e.record(view("u", 1)).join();
            store.erase("u", T0.plusSeconds(120)); // another instance, after the event's time
            e.flush();
            assertThat(e.get("u")).as("nothing of the erased event comes back").isEmpty();

            e.record(view("u", 3)).join(); // after the erase: a fresh profile
            e.flush();
            assertThat(e.get("u").orElseThrow().getLong("page_views")).contains(1L);
        }
    }

    @Test
    void whatWasPendingBeforeAnotherInstancesEraseIsNotMergedIntoWhatComesAfter() {
        InMemoryProfileStore store = new InMemoryProfileStore();
        try (ProfileEngine e = flushing(store, Duration.ofSeconds(5))) {
            e.record(view("u", 1)).join();
            store.erase("u", T0.plusSeconds(120)); // another instance
            e.record(view("u", 3)).join();
            e.flush();
            Profile p = e.get("u").orElseThrow();
            assertThat(p.getLong("page_views")).contains(1L);
            assertThat(p.getList("recent_pages")).containsExactly("/p3");
        }
    }

    @Test
    void aFailedFlushGivesBackOnlyTheUsersWhoseWriteDidNotLand() {
        DeferredDeltas deferred = new DeferredDeltas();
        Delta d = reducer.reduce(view("u", 1));
        deferred.add("u", d, 1, io.profilekit.spi.ProfileState.NONE);
        deferred.add("v", d, 2, io.profilekit.spi.ProfileState.NONE);
        Map<String, List<DeferredDeltas.Sealed>> drained = deferred.drain(10);
        deferred.requeue(drained, java.util.Set.of("u"));
        assertThat(deferred.drain(20)).containsOnlyKeys("v");
    }

    @Test
    void closeWaitsForABatchInFlightAndFlushesWhatItDeferred() throws Exception {
        java.util.concurrent.CountDownLatch writing = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        InMemoryProfileStore inner = new InMemoryProfileStore();
        CountingStore store = new CountingStore(inner);
        store.beforeWrite = batch -> {
            writing.countDown();
            try {
                release.await();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        };
        ProfileEngine e = flushing(store, Duration.ofSeconds(5));
        Thread recording = new Thread(() -> e.record(view("u", 1)).join());
        recording.start();
        assertThat(writing.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        Thread closing = new Thread(e::close);
        closing.start();
        Await.until(Duration.ofSeconds(30), "close() to wait for the batch", () -> closing.getState() == Thread.State.WAITING);
        store.beforeWrite = batch -> { };
        release.countDown();
        closing.join(30_000);
        recording.join(30_000);
        assertThat(closing.isAlive()).isFalse();
        try (ProfileEngine reader = ProfileEngine.builder().reducer(reducer).clock(clock).store(inner).build()) {
            assertThat(reader.get("u").orElseThrow().getLong("page_views")).as("flushed by close").contains(1L);
        }
    }

    /** A store whose writes reach the inner store and then fail, {@code afterWrite} times, then fail before writing, {@code before} times. */
    static final class FailingAfterWrite extends CountingStore {
        final AtomicInteger failAfterWrite = new AtomicInteger();
        final AtomicInteger failBeforeWrite = new AtomicInteger();

        FailingAfterWrite(ProfileStore delegate) {
            super(delegate);
        }

        @Override
        public List<WriteOutcome> writeAll(List<ProfileWrite> batch) {
            if (failBeforeWrite.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new ProfileStoreException("connection refused");
            }
            List<WriteOutcome> out = super.writeAll(batch);
            if (failAfterWrite.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new ProfileStoreException("connection reset after the write was sent");
            }
            return out;
        }
    }

    @Test
    void aFlushWhoseWriteReachedTheStoreBeforeItFailedIsNotAppliedTwiceByTheRetry() {
        FailingAfterWrite store = new FailingAfterWrite(new InMemoryProfileStore());
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).store(store).scheduler(false)
                .storeRetries(2, Duration.ZERO).flushInterval(Duration.ofSeconds(1)).build()) {
            for (int i = 0; i < 10; i++) {
                e.record(view("u", i)).join();
                e.record(view("v", i)).join();
            }
            store.failAfterWrite.set(1);
            e.flush();
            assertThat(store.failAfterWrite.get()).as("the failure happened").isZero();
            assertThat(e.get("u").orElseThrow().getLong("page_views")).contains(10L);
            assertThat(e.get("v").orElseThrow().getLong("page_views")).contains(10L);
            assertThat(e.get("u").orElseThrow().getList("recent_pages")).containsExactly("/p9", "/p8", "/p7", "/p6", "/p5");
        }
    }

    @Test
    void aFlushThatFailsPastItsRetriesIsAppliedOnceByTheNextFlush() {
        FailingAfterWrite store = new FailingAfterWrite(new InMemoryProfileStore());
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).store(store).scheduler(false)
                .storeRetries(1, Duration.ZERO).flushInterval(Duration.ofSeconds(1)).build()) {
            for (int i = 0; i < 4; i++) {
                e.record(view("u", i)).join();
            }
            // the write reaches the store and then fails; the retry cannot even load: flush gives up
            store.failAfterWrite.set(1);
            store.beforeWrite = batch -> store.failNext = new ProfileStoreException("connection refused");
            assertThatThrownBy(e::flush).isInstanceOf(ProfileStoreException.class).hasMessageContaining("refused");
            store.beforeWrite = batch -> { };
            assertThat(e.get("u").orElseThrow().getLong("page_views")).as("written before the failure").contains(4L);
            // more events meanwhile, then a flush on a healthy store: the first delta is not applied again
            for (int i = 4; i < 6; i++) {
                e.record(view("u", i)).join();
            }
            e.flush();
            assertThat(e.get("u").orElseThrow().getLong("page_views")).contains(6L);
            e.flush();
            assertThat(e.get("u").orElseThrow().getLong("page_views")).contains(6L);
        }
    }

    @Test
    void aFlushThatFailedBeforeWritingIsAppliedByTheNextFlush() {
        FailingAfterWrite store = new FailingAfterWrite(new InMemoryProfileStore());
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).store(store).scheduler(false)
                .storeRetries(0, Duration.ZERO).flushInterval(Duration.ofSeconds(1)).build()) {
            for (int i = 0; i < 3; i++) {
                e.record(view("u", i)).join();
            }
            store.failBeforeWrite.set(1);
            assertThatThrownBy(e::flush).isInstanceOf(ProfileStoreException.class);
            assertThat(e.get("u").orElseThrow().has("page_views")).as("nothing written yet").isFalse();
            e.flush();
            assertThat(e.get("u").orElseThrow().getLong("page_views")).contains(3L);
        }
    }
}
