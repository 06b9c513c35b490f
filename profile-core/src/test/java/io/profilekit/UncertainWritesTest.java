package io.profilekit;

import io.profilekit.RecordResult.Outcome;
import io.profilekit.spi.ProfileWrite;
import io.profilekit.spi.WriteOutcome;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A store call that fails after some writes reached the store, and listeners that call back into
 * the engine: no change notification is lost, none is doubled, nothing deadlocks.
 */
class UncertainWritesTest {
    static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    final MutableClock clock = new MutableClock(T0.plus(Duration.ofHours(1)));
    final ProfileReducer reducer = ProfileReducer.builder()
            .on("page_view", (e, p) -> p.increment("page_views").set("last_url", e.string("url")))
            .build();
    final List<ProfileChange> changes = new CopyOnWriteArrayList<>();

    static Event view(String user, int minute) {
        return Event.of(user, "page_view").at(T0.plusSeconds(60L * minute)).withId(user + "-" + minute)
                .with("url", "/p" + minute);
    }

    /** Writes everything, then reports the call as failed, {@code times} times. */
    static CountingStore landsThenFails(int times) {
        AtomicInteger left = new AtomicInteger(times);
        return new CountingStore(new InMemoryProfileStore()) {
            @Override
            public List<WriteOutcome> writeAll(List<ProfileWrite> batch) {
                List<WriteOutcome> out = super.writeAll(batch);
                if (left.getAndDecrement() > 0) {
                    throw new IllegalStateException("connection reset while reading the replies");
                }
                return out;
            }
        };
    }

    ProfileEngine.Builder engine(CountingStore store) {
        return ProfileEngine.builder().reducer(reducer).clock(clock).store(store).scheduler(false)
                .storeRetries(3, Duration.ZERO).listener(changes::add);
    }

    @Test
    void aWriteThatLandedBeforeTheCallFailedIsFinishedByTheRetry() {
        CountingStore store = landsThenFails(1);
        try (ProfileEngine e = engine(store).build()) {
            List<RecordResult> results = e.recordAll(List.of(view("a", 1), view("a", 2), view("b", 1))).join();

            assertThat(results).extracting(RecordResult::outcome).containsOnly(Outcome.APPLIED);
            assertThat(store.writeCalls.get()).as("the retry found both writes in the store").isEqualTo(1);
            assertThat(changes).extracting(ProfileChange::userId).containsExactlyInAnyOrder("a", "b");
            ProfileChange a = changes.stream().filter(c -> c.userId().equals("a")).findFirst().orElseThrow();
            assertThat(a.causeEventIds()).containsExactly("a-1", "a-2");
            assertThat(a.changes()).anySatisfy(c -> {
                assertThat(c.name()).isEqualTo("page_views");
                assertThat(c.before()).isEmpty();
                assertThat(c.after()).contains(2L);
            });
            assertThat(e.get("a").orElseThrow().getLong("page_views")).contains(2L);
            EngineMetrics m = e.metrics();
            assertThat(m.writesRecovered()).isEqualTo(2);
            assertThat(m.writes()).isEqualTo(2);
            assertThat(m.applied()).isEqualTo(3);
            assertThat(m.storeFailures()).isEqualTo(1);
        }
    }

    @Test
    void aWriteThatDidNotLandIsWrittenAgainAndHeardOnce() {
        CountingStore store = new CountingStore(new InMemoryProfileStore());
        store.failNext = new IllegalStateException("connection refused");
        try (ProfileEngine e = engine(store).build()) {
            e.recordAll(List.of(view("a", 1))).join();
            assertThat(e.metrics().writesRecovered()).isZero();
        }
        assertThat(changes).hasSize(1);
        // the load failed, nothing was attempted: the retry loads, applies and writes
        assertThat(store.writeCalls.get()).isEqualTo(1);
    }

    @Test
    void aBatchHandedInAgainAfterTheEngineGaveUpDeliversTheChangesOfWritesThatLanded() {
        CountingStore store = landsThenFails(1);
        try (ProfileEngine e = engine(store).storeRetries(0, Duration.ZERO).build()) {
            List<Event> batch = List.of(view("a", 1), view("b", 1));
            assertThatThrownBy(() -> e.recordAll(batch).join()).hasCauseInstanceOf(ProfileStoreException.class);
            assertThat(changes).isEmpty();

            // like a Kafka processor re-reading the uncommitted records: a new call, same events
            List<RecordResult> again = e.recordAll(batch).join();

            assertThat(again).extracting(RecordResult::outcome).containsOnly(Outcome.DUPLICATE);
            assertThat(changes).extracting(ProfileChange::userId).containsExactlyInAnyOrder("a", "b");
            assertThat(e.metrics().writesRecovered()).isEqualTo(2);
            assertThat(e.get("a").orElseThrow().getLong("page_views")).contains(1L);

            e.recordAll(List.of(view("a", 2))).join();
            assertThat(changes).as("nothing is heard twice").hasSize(3);
        }
    }

    @Test
    void aFailedWriteOverwrittenSinceIsNotMistakenForOurs() {
        CountingStore store = landsThenFails(1);
        try (ProfileEngine e = engine(store).storeRetries(0, Duration.ZERO).build();
             ProfileEngine other = ProfileEngine.builder().reducer(reducer).clock(clock).store(store.delegate)
                     .scheduler(false).build()) {
            assertThatThrownBy(() -> e.record(view("a", 1)).join()).hasCauseInstanceOf(ProfileStoreException.class);
            // the landed write is changed by another engine before this one loads the user again
            other.record(view("a", 2)).join();

            e.record(view("a", 3)).join();

            assertThat(e.metrics().writesRecovered()).isZero();
            assertThat(changes).hasSize(1);
            assertThat(changes.get(0).causeEventIds()).containsExactly("a-3");
            assertThat(e.get("a").orElseThrow().getLong("page_views")).contains(3L);
        }
    }

    @Test
    void aListenerMayEraseAUserOfTheSameBatchFromAnotherThread() {
        AtomicInteger erasedInListener = new AtomicInteger();
        ProfileEngine[] self = new ProfileEngine[1];
        ProfileChangeListener eraseB = change -> {
            if (change.userId().equals("a")) {
                try {
                    // another thread needs b's lock; the batch that wrote a and b must not hold it now
                    CompletableFuture.runAsync(() -> self[0].erase("b")).get(10, TimeUnit.SECONDS);
                    erasedInListener.incrementAndGet();
                } catch (Exception ex) {
                    throw new IllegalStateException("erase from the listener did not finish", ex);
                }
            }
        };
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).scheduler(false)
                .listener(eraseB).build()) {
            self[0] = e;
            e.recordAll(List.of(view("a", 1), view("b", 1))).join();

            assertThat(erasedInListener.get()).isEqualTo(1);
            assertThat(e.metrics().callbackFailures()).isZero();
            assertThat(e.get("b")).isEmpty();
            assertThat(e.get("a").map(p -> p.getLong("page_views"))).contains(Optional.of(1L));
        }
    }

    @Test
    void aListenerRecordingFromAnotherThreadWhileTheEngineClosesIsRefusedNotStuck() throws Exception {
        java.util.concurrent.CountDownLatch inListener = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch closeWaiting = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Throwable> fromListener = new java.util.concurrent.atomic.AtomicReference<>();
        ProfileEngine[] self = new ProfileEngine[1];
        ProfileChangeListener recordsB = change -> {
            if (!change.userId().equals("a")) {
                return;
            }
            inListener.countDown();
            try {
                closeWaiting.await(30, TimeUnit.SECONDS);
                // another thread records while this batch is in flight and close() waits for it
                CompletableFuture.runAsync(() -> self[0].record(view("b", 1)).join()).get(10, TimeUnit.SECONDS);
                fromListener.set(new AssertionError("the record was accepted by a closing engine"));
            } catch (java.util.concurrent.ExecutionException ex) {
                fromListener.set(ex.getCause());
            } catch (Exception ex) {
                fromListener.set(ex);
            }
        };
        ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).scheduler(false)
                .listener(recordsB).build();
        self[0] = e;
        Thread recording = new Thread(() -> e.record(view("a", 1)).join());
        recording.start();
        assertThat(inListener.await(30, TimeUnit.SECONDS)).isTrue();
        Thread closing = new Thread(e::close);
        closing.start();
        Await.until(Duration.ofSeconds(30), "close() to wait for the batch", () -> closing.getState() == Thread.State.WAITING);
        closeWaiting.countDown();
        recording.join(60_000);
        closing.join(60_000);

        assertThat(closing.isAlive()).isFalse();
        assertThat(fromListener.get()).as("refused at once, not stuck behind close()")
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void anEraseDropsTheCopyKeptOfAWriteWhoseStoreCallFailed() {
        CountingStore store = landsThenFails(10);
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).store(store).scheduler(false)
                .storeRetries(0, Duration.ZERO).build()) {
            assertThatThrownBy(() -> e.record(view("u", 1)).join()).hasCauseInstanceOf(ProfileStoreException.class);
            assertThat(e.writeLoop().holdsUncertain("u")).as("kept to be recognised later").isTrue();
            e.erase("u");
            assertThat(e.writeLoop().holdsUncertain("u")).isFalse();
            assertThat(e.get("u")).isEmpty();
        }
    }

    @Test
    void theSessionOfAWriteRecognisedAsLandedIsWrittenEvenWhenTheRoundsOwnWriteFails() {
        CountingStore store = landsThenFails(2);
        ProfileReducer withSessions = ProfileReducer.builder()
                .on("page_view", (e, p) -> p.increment("page_views"))
                .session((e, s) -> s.increment("events"))
                .build();
        try (ProfileEngine e = ProfileEngine.builder().reducer(withSessions).clock(clock).store(store).scheduler(false)
                .storeRetries(0, Duration.ZERO).sessions(Duration.ofMinutes(30)).build()) {
            // the write lands, its call fails: the session is not written, the write is kept as uncertain
            assertThatThrownBy(() -> e.record(view("u", 1)).join()).hasCauseInstanceOf(ProfileStoreException.class);
            assertThat(e.session("u")).isEmpty();
            // the next call recognises it as landed (and owes its session), then its own write fails
            assertThatThrownBy(() -> e.recordAll(List.of(view("u", 2))).join())
                    .hasCauseInstanceOf(ProfileStoreException.class);
            assertThat(e.session("u")).as("the recognised write's session").isPresent();
        }
    }
}
