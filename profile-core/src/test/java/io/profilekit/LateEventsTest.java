package io.profilekit;

import io.profilekit.RecordResult.Outcome;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class LateEventsTest {
    static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    final MutableClock clock = new MutableClock(T0.plus(Duration.ofHours(2)));

    static Event view(String user, Duration at, String url) {
        return Event.of(user, "page_view").at(T0.plus(at)).with("url", url);
    }

    ProfileEngine engine(ProfileReducer reducer, LateEventHandler handler) {
        ProfileEngine.Builder b = ProfileEngine.builder().reducer(reducer).clock(clock)
                .allowedLateness(Duration.ofMinutes(5)).scheduler(false);
        return handler == null ? b.build() : b.lateEventHandler(handler).build();
    }

    static ProfileReducer.Builder views() {
        return ProfileReducer.builder().on("page_view", (e, p) -> p.increment("page_views")
                .set("last_url", e.string("url")).recent("recent_pages", e.string("url"), 5)
                .windowedCount("views_1h", Duration.ofHours(1), Duration.ofMinutes(10)));
    }

    @Test
    void underApplyALateSetLosesToTheNewerOneAndALateIncrementCounts() {
        try (ProfileEngine e = engine(views().build(), null)) {
            e.record(view("u", Duration.ofMinutes(60), "/new")).join();
            RecordResult late = e.record(view("u", Duration.ofMinutes(10), "/old")).join();
            assertThat(late.outcome()).isEqualTo(Outcome.APPLIED);
            Profile p = e.get("u").orElseThrow();
            assertThat(p.getString("last_url")).contains("/new");
            assertThat(p.getLong("page_views")).contains(2L);
            assertThat(e.metrics().lateApplied()).isEqualTo(1);
            assertThat(e.watermarks()).containsEntry("direct", T0.plus(Duration.ofMinutes(55)));
        }
    }

    @Test
    void aLateEventWithinTheAllowedLatenessIsNotLate() {
        try (ProfileEngine e = engine(views().latePolicy(LatePolicy.DROP).build(), null)) {
            e.record(view("u", Duration.ofMinutes(60), "/new")).join();
            assertThat(e.record(view("u", Duration.ofMinutes(56), "/a")).join().outcome()).isEqualTo(Outcome.APPLIED);
            assertThat(e.record(view("u", Duration.ofMinutes(54), "/b")).join().outcome()).isEqualTo(Outcome.LATE);
            assertThat(e.get("u").orElseThrow().getLong("page_views")).contains(2L);
            assertThat(e.metrics().lateDropped()).isEqualTo(1);
            assertThat(e.metrics().late()).isEqualTo(1);
        }
    }

    @Test
    void sideOutputHandsTheLateEventToTheHandlerAfterTheBatch() {
        List<Event> handed = new ArrayList<>();
        List<Instant> marks = new ArrayList<>();
        try (ProfileEngine e = engine(views().latePolicy(LatePolicy.SIDE_OUTPUT).build(), (ev, src, wm) -> {
            handed.add(ev);
            marks.add(wm);
            assertThat(src).isEqualTo(Optional.empty());
        })) {
            Event late = view("u", Duration.ofMinutes(1), "/late");
            List<RecordResult> r = e.recordAll(List.of(view("u", Duration.ofMinutes(90), "/now"), late)).join();
            assertThat(r).extracting(RecordResult::outcome).containsExactly(Outcome.APPLIED, Outcome.LATE);
            assertThat(handed).containsExactly(late);
            assertThat(marks).containsExactly(T0.plus(Duration.ofMinutes(85)));
            assertThat(e.metrics().lateSideOutput()).isEqualTo(1);
            assertThat(e.get("u").orElseThrow().getLong("page_views")).contains(1L);
        }
    }

    @Test
    void aLateEventOfAnErasedUserIsDroppedNotHandedToTheSideOutput() {
        List<Event> handed = new ArrayList<>();
        try (ProfileEngine e = engine(views().latePolicy(LatePolicy.SIDE_OUTPUT).build(), (ev, src, wm) -> handed.add(ev))) {
            clock.set(T0.plus(Duration.ofMinutes(95)));
            e.recordAll(List.of(view("u", Duration.ofMinutes(90), "/now"), view("w", Duration.ofMinutes(90), "/now")))
                    .join();
            e.erase("u");
            Event lateOfErased = view("u", Duration.ofMinutes(1), "/late");
            Event lateOfOther = view("w", Duration.ofMinutes(2), "/late");
            List<RecordResult> r = e.recordAll(List.of(lateOfErased, lateOfOther)).join();
            assertThat(r).extracting(RecordResult::outcome).containsExactly(Outcome.ERASED, Outcome.LATE);
            assertThat(handed).containsExactly(lateOfOther);
            assertThat(e.metrics().lateSideOutput()).isEqualTo(1);
        }
    }

    @Test
    void aPerAttributePolicyOverridesTheReducersOne() {
        try (ProfileEngine e = engine(views().latePolicy("recent_pages", LatePolicy.DROP).build(), null)) {
            e.record(view("u", Duration.ofMinutes(60), "/new")).join();
            assertThat(e.record(view("u", Duration.ofMinutes(1), "/old")).join().outcome()).isEqualTo(Outcome.APPLIED);
            Profile p = e.get("u").orElseThrow();
            assertThat(p.getLong("page_views")).contains(2L);
            assertThat(p.getList("recent_pages")).containsExactly("/new");
            assertThat(e.metrics().lateDropped()).isEqualTo(1);
            assertThat(e.metrics().lateApplied()).isEqualTo(1);
        }
    }

    @Test
    void aSourcedLateEventIsJudgedByItsOwnSourcesWatermark() {
        try (ProfileEngine e = engine(views().latePolicy(LatePolicy.DROP).build(), null)) {
            e.applyBatch(List.of(new SourcedEvent(view("u", Duration.ofMinutes(60), "/a"), "p-0", 0)));
            List<RecordResult> r = e.applyBatch(List.of(
                    new SourcedEvent(view("v", Duration.ofMinutes(1), "/b"), "p-1", 0),
                    new SourcedEvent(view("w", Duration.ofMinutes(1), "/c"), "p-0", 1)));
            assertThat(r).extracting(RecordResult::outcome).containsExactly(Outcome.APPLIED, Outcome.LATE);
            // the dropped record still moves the fence: redelivered, it is a duplicate
            assertThat(e.applyBatch(List.of(new SourcedEvent(view("w", Duration.ofMinutes(1), "/c"), "p-0", 1))))
                    .extracting(RecordResult::outcome).containsExactly(Outcome.DUPLICATE);
        }
    }

    @Test
    void aBatchRetriedAfterAStoreFailureIsJudgedAgainstTheSameWatermark() {
        CountingStore store = new CountingStore(new InMemoryProfileStore());
        try (ProfileEngine e = ProfileEngine.builder().reducer(views().latePolicy(LatePolicy.DROP).build()).clock(clock)
                .store(store).allowedLateness(Duration.ofMinutes(5)).storeRetries(0, Duration.ZERO)
                .scheduler(false).build()) {
            List<SourcedEvent> batch = List.of(
                    new SourcedEvent(view("u", Duration.ofMinutes(0), "/first"), "p-0", 0),
                    new SourcedEvent(view("u", Duration.ofMinutes(10), "/second"), "p-0", 1));
            store.failNext = new IllegalStateException("connection reset");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> e.applyBatch(batch))
                    .isInstanceOf(ProfileStoreException.class);
            assertThat(e.applyBatch(batch)).extracting(RecordResult::outcome)
                    .containsExactly(Outcome.APPLIED, Outcome.APPLIED);
            assertThat(e.get("u").orElseThrow().getLong("page_views")).contains(2L);
            assertThat(e.watermarks()).containsEntry("p-0", T0.plus(Duration.ofMinutes(5)));
        }
    }

    @Test
    void aWindowedCountTakesALateEventInItsBucketWhileTheBucketIsInTheWindow() {
        try (ProfileEngine e = engine(views().build(), null)) {
            clock.set(T0.plus(Duration.ofMinutes(100)));
            e.record(view("u", Duration.ofMinutes(95), "/now")).join();
            e.record(view("u", Duration.ofMinutes(45), "/in-window")).join();
            e.record(view("u", Duration.ofMinutes(20), "/too-old")).join();
            Profile p = e.get("u").orElseThrow();
            assertThat(p.getLong("page_views")).contains(3L);
            assertThat(p.getLong("views_1h")).contains(2L);
            assertThat(e.metrics().tooLateForWindow()).isEqualTo(1);
        }
    }

    @Test
    void inOneBatchTooLateForTheWindowIsJudgedAgainstTheWindowSoFar() {
        try (ProfileEngine e = engine(views().build(), null)) {
            clock.set(T0.plus(Duration.ofMinutes(100)));
            // one user's events in one batch: from the second on they are folded in place
            e.recordAll(List.of(view("u", Duration.ofMinutes(50), "/a"), view("u", Duration.ofMinutes(95), "/now"),
                    view("u", Duration.ofMinutes(45), "/in-window"), view("u", Duration.ofMinutes(20), "/too-old"),
                    view("u", Duration.ofMinutes(10), "/older"))).join();
            Profile p = e.get("u").orElseThrow();
            assertThat(p.getLong("page_views")).contains(5L);
            assertThat(p.getLong("views_1h")).as("minutes 45, 50 and 95").contains(3L);
            assertThat(e.metrics().tooLateForWindow()).isEqualTo(2);
        }
    }

    @Test
    void anEventTooFarInTheFutureIsRejectedWithTheReason() {
        try (ProfileEngine e = engine(views().build(), null)) {
            RecordResult r = e.record(Event.of("u", "page_view").at(clock.instant().plus(Duration.ofHours(2)))
                    .with("url", "/x")).join();
            assertThat(r.outcome()).isEqualTo(Outcome.REJECTED);
            assertThat(r.violations()).extracting(Violation::field).containsExactly("timestamp");
        }
    }

    @Test
    void anEventWhoseWriteLostARaceIsCountedOnceByThePerEventMetrics() {
        CountingStore store = new CountingStore(new InMemoryProfileStore());
        try (ProfileEngine e = ProfileEngine.builder().reducer(views().build()).clock(clock).store(store)
                .seenEventsCapacity(1).scheduler(false).build();
             ProfileEngine other = ProfileEngine.builder().reducer(views().build()).clock(clock)
                     .store(store.delegate).scheduler(false).build()) {
            clock.set(T0.plus(Duration.ofMinutes(100)));
            e.record(view("u", Duration.ofMinutes(95), "/now")).join();
            boolean[] raced = {false};
            store.beforeWrite = w -> {
                if (!raced[0]) {
                    raced[0] = true;
                    other.record(view("u", Duration.ofMinutes(96), "/other")).join();
                }
            };
            // older than the one event id the profile keeps, and than the window of views_1h
            RecordResult r = e.record(view("u", Duration.ofMinutes(20), "/too-old")).join();

            assertThat(r.outcome()).isEqualTo(Outcome.APPLIED);
            assertThat(e.metrics().writeConflicts()).as("the first write lost, the second landed").isEqualTo(1);
            assertThat(e.get("u").orElseThrow().getLong("page_views")).contains(3L);
            assertThat(e.metrics().unverifiable()).isEqualTo(1);
            assertThat(e.metrics().tooLateForWindow()).isEqualTo(1);
            assertThat(e.metrics().eventLagNanos().count()).isEqualTo(2);
        }
    }

    @Test
    void aLateEventDeliveredAgainIsADuplicateAndNotCountedAsAppliedOrDroppedAgain() {
        try (ProfileEngine e = engine(views().latePolicy("recent_pages", LatePolicy.DROP).build(), null)) {
            e.applyBatch(List.of(new SourcedEvent(view("u", Duration.ofMinutes(60), "/new"), "p-0", 0)));
            List<SourcedEvent> late = List.of(new SourcedEvent(view("u", Duration.ofMinutes(1), "/old"), "p-0", 1));
            assertThat(e.applyBatch(late)).extracting(RecordResult::outcome).containsExactly(Outcome.APPLIED);
            // redelivered, as after a consumer restart: fenced by its offset
            assertThat(e.applyBatch(late)).extracting(RecordResult::outcome).containsExactly(Outcome.DUPLICATE);

            assertThat(e.get("u").orElseThrow().getLong("page_views")).contains(2L);
            assertThat(e.metrics().duplicates()).isEqualTo(1);
            assertThat(e.metrics().lateApplied()).isEqualTo(1);
            assertThat(e.metrics().lateDropped()).isEqualTo(1);
        }
    }
}
