package io.profilekit;

import io.profilekit.RecordResult.Outcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProfileEngineTest {
    static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    static final ProfileReducer REDUCER = ProfileReducer.builder()
            .on("page_view", (e, p) -> p.increment("page_views")
                    .set("last_url", e.string("url"))
                    .recent("recent_pages", e.string("url"), 3))
            .on("purchase", (e, p) -> p.increment("purchases")
                    .add("lifetime_value", e.decimal("amount"))
                    .setOnce("first_purchase_at", e.timestamp())
                    .max("max_order", e.decimal("amount"))
                    .topN("favorite_categories", e.string("category"), 2))
            .on("click", (e, p) -> {
                if (e.string("element").equals("boom")) {
                    throw new IllegalArgumentException("click.element: cannot handle \"boom\"");
                }
                p.increment("clicks");
            })
            .build();

    final MutableClock clock = new MutableClock(T0.plus(Duration.ofHours(1)));
    final CountingStore store = new CountingStore(new InMemoryProfileStore());
    final List<ProfileChange> changes = new ArrayList<>();
    final ProfileEngine engine = ProfileEngine.builder().reducer(REDUCER).store(store).clock(clock)
            .listener(changes::add).build();

    @AfterEach
    void close() {
        engine.close();
    }

    static Event view(String user, int minute, String url) {
        return Event.of(user, "page_view").at(T0.plusSeconds(60L * minute)).with("url", url);
    }

    static Event purchase(String user, int minute, String amount, String category) {
        return Event.of(user, "purchase").at(T0.plusSeconds(60L * minute)).with("order_id", "o-" + minute)
                .with("amount", new BigDecimal(amount)).with("currency", "EUR").with("category", category);
    }

    @Test
    void recordedEventsShowInTheProfileRightAway() {
        assertThat(engine.record(view("u1", 1, "/a")).join().outcome()).isEqualTo(Outcome.APPLIED);
        engine.record(view("u1", 2, "/b")).join();
        engine.record(purchase("u1", 3, "19.99", "shoes")).join();
        engine.record(purchase("u1", 4, "5.01", "shoes")).join();

        Profile p = engine.get("u1").orElseThrow();
        assertThat(p.getLong("page_views")).contains(2L);
        assertThat(p.getString("last_url")).contains("/b");
        assertThat(p.getList("recent_pages")).containsExactly("/b", "/a");
        assertThat(p.getDecimal("lifetime_value")).contains(new BigDecimal("25.00"));
        assertThat(p.getInstant("first_purchase_at")).contains(T0.plusSeconds(180));
        assertThat(p.getDecimal("max_order")).contains(new BigDecimal("19.99"));
        assertThat(p.getList("favorite_categories")).containsExactly("shoes");
        assertThat(p.lastEventTime()).contains(T0.plusSeconds(240));
        assertThat(p.lastUpdated("last_url")).contains(T0.plusSeconds(120));
        assertThat(p.version()).isEqualTo(4);
        assertThat(engine.get("nobody")).isEmpty();
    }

    @Test
    void aResentEventIsCountedOnce() {
        Event e = purchase("u2", 1, "10", "books");
        assertThat(engine.record(e).join().outcome()).isEqualTo(Outcome.APPLIED);
        assertThat(engine.record(e).join().outcome()).isEqualTo(Outcome.DUPLICATE);
        assertThat(engine.recordAll(List.of(e, e)).join()).extracting(RecordResult::outcome)
                .containsExactly(Outcome.DUPLICATE, Outcome.DUPLICATE);
        assertThat(engine.get("u2").orElseThrow().getLong("purchases")).contains(1L);
        assertThat(engine.metrics().duplicates()).isEqualTo(3);
    }

    @Test
    void aDuplicateInsideOneBatchIsCountedOnce() {
        Event e = view("u2b", 1, "/x");
        assertThat(engine.recordAll(List.of(e, e)).join()).extracting(RecordResult::outcome)
                .containsExactly(Outcome.APPLIED, Outcome.DUPLICATE);
        assertThat(engine.get("u2b").orElseThrow().getLong("page_views")).contains(1L);
    }

    @Test
    void anInvalidEventIsRejectedWithEveryReasonAndChangesNothing() {
        Event bad = Event.of("u3", "purchase").at(T0).with("order_id", "o1").with("amount", "abc");
        RecordResult r = engine.record(bad).join();
        assertThat(r.outcome()).isEqualTo(Outcome.REJECTED);
        assertThat(r.violations()).extracting(Violation::toString)
                .anyMatch(s -> s.startsWith("purchase.amount") && s.contains("\"abc\""))
                .anyMatch(s -> s.startsWith("purchase.currency"));
        assertThat(engine.get("u3")).isEmpty();
        assertThat(store.writeCalls.get()).isZero();
    }

    @Test
    void anUnknownTypeIsRejectedUnlessAllowed() {
        assertThat(engine.record(Event.of("u4", "video_play").at(T0)).join().violations())
                .extracting(Violation::field).containsExactly("type");
        ProfileReducer r = ProfileReducer.builder().otherwise((e, p) -> p.increment("custom_" + e.type())).build();
        try (ProfileEngine open = ProfileEngine.builder().reducer(r).clock(clock)
                .schemas(EventSchemas.builtIn().toBuilder().allowUnknownTypes(true).build()).build()) {
            assertThat(open.record(Event.of("u4", "video_play").at(T0)).join().applied()).isTrue();
            assertThat(open.get("u4").orElseThrow().getLong("custom_video_play")).contains(1L);
        }
    }

    @Test
    void aRuleThatRefusesAnEventRejectsOnlyThatEvent() {
        List<RecordResult> results = engine.recordAll(List.of(
                Event.of("u5", "click").at(T0).with("element", "ok"),
                Event.of("u5", "click").at(T0.plusSeconds(1)).with("element", "boom"),
                Event.of("u5", "click").at(T0.plusSeconds(2)).with("element", "ok"))).join();
        assertThat(results).extracting(RecordResult::outcome)
                .containsExactly(Outcome.APPLIED, Outcome.REJECTED, Outcome.APPLIED);
        assertThat(results.get(1).violations().get(0).toString())
                .isEqualTo("reducer: click.element: cannot handle \"boom\"");
        assertThat(engine.get("u5").orElseThrow().getLong("clicks")).contains(2L);
    }

    @Test
    void aLateSetLosesToANewerOne() {
        engine.record(view("u6", 10, "/newer")).join();
        engine.record(view("u6", 5, "/older")).join();
        Profile p = engine.get("u6").orElseThrow();
        assertThat(p.getString("last_url")).contains("/newer");
        assertThat(p.getLong("page_views")).contains(2L);
        assertThat(p.getList("recent_pages")).containsExactly("/newer", "/older");
    }

    @Test
    void aBatchCostsOneLoadAndOneWriteWithOneWritePerUser() {
        List<Event> batch = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            batch.add(view(i % 2 == 0 ? "hot-a" : "hot-b", i, "/p" + i));
        }
        engine.recordAll(batch).join();
        assertThat(store.loadCalls.get()).isEqualTo(1);
        assertThat(store.writeCalls.get()).isEqualTo(1);
        assertThat(store.writes.get()).isEqualTo(2);
        assertThat(engine.get("hot-a").orElseThrow().getLong("page_views")).contains(25L);
        assertThat(engine.get("hot-a").orElseThrow().version()).isEqualTo(1);
    }

    @Test
    void listenersSeeBeforeAndAfterOfEachChangedAttributeAndTheCauses() {
        Event a = view("u7", 1, "/a");
        Event b = view("u7", 2, "/b");
        engine.record(a).join();
        engine.recordAll(List.of(b, view("u7", 0, "/old"))).join();
        assertThat(changes).hasSize(2);
        ProfileChange second = changes.get(1);
        assertThat(second.userId()).isEqualTo("u7");
        assertThat(second.version()).isEqualTo(2);
        assertThat(second.causeEventIds()).hasSize(2).first().isEqualTo(b.eventId());
        assertThat(second.changes()).extracting(ProfileChange.AttributeChange::name)
                .containsExactly("last_url", "page_views", "recent_pages");
        ProfileChange.AttributeChange url = second.changes().get(0);
        assertThat(url.before()).contains("/a");
        assertThat(url.after()).contains("/b");
        assertThat(changes.get(0).changes().get(0).before()).isEqualTo(Optional.empty());
    }

    @Test
    void aFailingListenerIsCountedAndDoesNotUndoTheWrite() {
        try (ProfileEngine e = ProfileEngine.builder().reducer(REDUCER).clock(clock)
                .listener(c -> {
                    throw new IllegalStateException("listener bug");
                }).build()) {
            assertThat(e.record(view("u8", 1, "/a")).join().applied()).isTrue();
            assertThat(e.get("u8")).isPresent();
            assertThat(e.metrics().callbackFailures()).isEqualTo(1);
        }
    }

    @Test
    void sourcedEventsAtOrBelowTheFenceAreDuplicates() {
        SourcedEvent first = new SourcedEvent(view("u9", 1, "/a"), "user-events-0", 7);
        assertThat(engine.applyBatch(List.of(first))).extracting(RecordResult::outcome).containsExactly(Outcome.APPLIED);
        assertThat(engine.applyBatch(List.of(first))).extracting(RecordResult::outcome).containsExactly(Outcome.DUPLICATE);
        SourcedEvent newIdOldOffset = new SourcedEvent(view("u9", 2, "/b"), "user-events-0", 6);
        SourcedEvent otherSource = new SourcedEvent(view("u9", 3, "/c"), "purchase-data-0", 6);
        assertThat(engine.applyBatch(List.of(newIdOldOffset, otherSource))).extracting(RecordResult::outcome)
                .containsExactly(Outcome.DUPLICATE, Outcome.APPLIED);
        assertThat(engine.get("u9").orElseThrow().getLong("page_views")).contains(2L);
        assertThat(store.delegate.loadAll(List.of("u9")).get("u9").fences())
                .containsEntry("user-events-0", 7L).containsEntry("purchase-data-0", 6L);
    }

    @Test
    void aWriteThatLosesARaceIsRetriedAndNothingIsLost() {
        ProfileEngine other = ProfileEngine.builder().reducer(REDUCER).store(store.delegate).clock(clock).build();
        int[] injected = {0};
        store.beforeWrite = w -> {
            if (injected[0]++ == 0) {
                other.record(view("u10", 1, "/other")).join();
            }
        };
        assertThat(engine.record(view("u10", 2, "/mine")).join().applied()).isTrue();
        Profile p = engine.get("u10").orElseThrow();
        assertThat(p.getLong("page_views")).contains(2L);
        assertThat(p.getString("last_url")).contains("/mine");
        assertThat(engine.metrics().writeConflicts()).isEqualTo(1);
        assertThat(store.loadCalls.get()).isEqualTo(3); // load, reload after the conflict, get
    }

    @Test
    void aStoreFailureIsRetriedAndNothingIsLost() {
        store.failNext = new IllegalStateException("connection reset");
        assertThat(engine.record(view("u11r", 1, "/a")).join().applied()).isTrue();
        assertThat(engine.metrics().storeFailures()).isEqualTo(1);
        assertThat(engine.get("u11r").orElseThrow().getLong("page_views")).contains(1L);
    }

    @Test
    void aStoreFailurePastTheRetriesFailsTheFutureAndIsCounted() {
        ProfileEngine engine = ProfileEngine.builder().reducer(REDUCER).store(store).clock(clock)
                .storeRetries(0, Duration.ZERO).build();
        store.failNext = new IllegalStateException("connection reset");
        assertThatThrownBy(() -> engine.record(view("u11", 1, "/a")).join())
                .isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(ProfileStoreException.class)
                .hasMessageContaining("connection reset");
        assertThat(engine.metrics().storeFailures()).isEqualTo(1);
        assertThat(engine.record(view("u11", 1, "/a")).join().applied()).isTrue();
    }

    @Test
    void eventsBeforeAnEraseAreDroppedAndLaterOnesStartAFreshProfile() {
        engine.record(view("u12", 1, "/a")).join();
        store.erase("u12", T0.plusSeconds(600));
        assertThat(engine.get("u12")).isEmpty();
        assertThat(engine.record(view("u12", 2, "/replayed")).join().outcome()).isEqualTo(Outcome.ERASED);
        assertThat(engine.record(view("u12", 20, "/new")).join().outcome()).isEqualTo(Outcome.APPLIED);
        assertThat(engine.get("u12").orElseThrow().getLong("page_views")).contains(1L);
        assertThat(engine.metrics().erased()).isEqualTo(1);
    }

    @Test
    void metricsCountEveryOutcomeAndTimeEveryCall() {
        Event e = view("u13", 1, "/a");
        engine.record(e).join();
        engine.record(e).join();
        engine.record(Event.of("u13", "page_view").at(T0)).join();
        EngineMetrics m = engine.metrics();
        assertThat(m.applied()).isEqualTo(1);
        assertThat(m.duplicates()).isEqualTo(1);
        assertThat(m.rejected()).isEqualTo(1);
        assertThat(m.events()).isEqualTo(3);
        assertThat(m.writes()).isEqualTo(1);
        assertThat(m.applyLatencyNanos().count()).isEqualTo(3);
        assertThat(m.applyLatencyNanos().max()).isGreaterThan(0);
    }

    @Test
    void aClosedEngineRefusesEvents() {
        engine.close();
        assertThatThrownBy(() -> engine.record(view("u14", 1, "/a")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aGetterOfTheWrongTypeNamesTheAttribute() {
        engine.record(view("u15", 1, "/a")).join();
        assertThatThrownBy(() -> engine.get("u15").orElseThrow().getLong("last_url"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("profile u15, attribute last_url: expected an integer, holds string \"/a\"");
    }

    @Test
    void theBuilderRequiresAReducer() {
        assertThatThrownBy(() -> ProfileEngine.builder().build())
                .isInstanceOf(NullPointerException.class).hasMessageContaining("reducer is required");
    }
}
