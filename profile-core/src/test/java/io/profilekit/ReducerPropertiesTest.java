package io.profilekit;

import io.profilekit.op.Operation;
import io.profilekit.spi.ProfileState;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Convergence and exactly-once effect of a whole reducer through the engine: a realistic reducer
 * with attributes of every operation, over generated events of a few users whose timestamps often
 * tie and whose values often repeat (or are equal numbers of different types, as JSON producers
 * send them).
 */
class ReducerPropertiesTest {
    private static final Instant BASE = Instant.parse("2026-03-01T10:00:00Z");
    /** Events fall in BASE .. BASE + 84 min; profiles are read at BASE + 95 min. */
    private static final Clock CLOCK = Clock.fixed(BASE.plus(Duration.ofMinutes(95)), ZoneOffset.UTC);
    private static final EventSchemas SCHEMAS = EventSchemas.builtIn().toBuilder().allowUnknownTypes(true).build();

    static final ProfileReducer REDUCER = ProfileReducer.builder()
            .on("page_view", (e, p) -> p.increment("page_views")
                    .set("last_url", e.string("url"))
                    .recent("recent_urls", e.string("url"), 3)
                    .setAdd("seen_urls", e.string("url"), 2)
                    .topN("top_urls", e.string("url"), 2, 4)
                    .windowedCount("views_30m", Duration.ofMinutes(30), Duration.ofMinutes(10))
                    .windowedCount("views_1h", Duration.ofHours(1)))
            .on("purchase", (e, p) -> p.increment("purchases")
                    .add("revenue", e.decimal("amount"))
                    .max("largest_order", (Number) e.property("amount").orElse(null))
                    .min("smallest_order", (Number) e.property("amount").orElse(null))
                    .setOnce("first_category", e.string("category"))
                    .recent("recent_orders", e.string("order_id"), 3))
            .on("rate", (e, p) -> p.set("rating", e.property("rating").orElse(null)))
            .on("loyalty", (e, p) -> p.add("points", (Number) e.property("points").orElse(null)))
            .on("opt_out", (e, p) -> p.unset("last_url").set("opted_out", true))
            .onEvery((e, p) -> p.decay("engagement", e.type().equals("purchase") ? 5.0 : 1.0, Duration.ofMinutes(20))
                    .set("last_type", e.type()))
            .build();

    // ---- properties ----

    @Property(tries = 200)
    void anyPermutationOfTheEventsGivesTheSameProfiles(
            @ForAll("eventsAndPermutation") Tuple2<List<Event>, List<Event>> events) {
        try (ProfileEngine inOrder = engine(); ProfileEngine permuted = engine()) {
            assertAllApplied(recordOneByOne(inOrder, events.get1()));
            assertAllApplied(recordOneByOne(permuted, events.get2()));

            Set<String> users = users(events.get1());
            Map<String, ProfileState> a = inOrder.store().loadAll(users);
            Map<String, ProfileState> b = permuted.store().loadAll(users);
            for (String user : users) {
                assertThat(permuted.get(user)).as(user).isEqualTo(inOrder.get(user)).isPresent();
                assertThat(b.get(user).attributes()).as(user).isEqualTo(a.get(user).attributes());
                assertThat(b.get(user).seenEvents()).as(user).isEqualTo(a.get(user).seenEvents());
                assertThat(b.get(user).lastEventTime()).as(user).isEqualTo(a.get(user).lastEventTime());
            }
        }
    }

    @Property(tries = 200)
    void resendingEveryEventEqualsSendingItOnce(
            @ForAll("eventsAndTwiceShuffled") Tuple2<List<Event>, List<Event>> events) {
        try (ProfileEngine once = engine(); ProfileEngine twice = engine()) {
            assertAllApplied(recordOneByOne(once, events.get1()));
            List<RecordResult> results = recordOneByOne(twice, events.get2());

            Set<String> applied = new HashSet<>();
            for (RecordResult r : results) {
                boolean first = applied.add(r.eventId());
                assertThat(r.outcome()).as(r.eventId())
                        .isEqualTo(first ? RecordResult.Outcome.APPLIED : RecordResult.Outcome.DUPLICATE);
            }
            assertThat(applied).hasSize(events.get1().size());

            Set<String> users = users(events.get1());
            Map<String, ProfileState> a = once.store().loadAll(users);
            Map<String, ProfileState> b = twice.store().loadAll(users);
            for (String user : users) {
                assertThat(twice.get(user)).as(user).isEqualTo(once.get(user)).isPresent();
                assertThat(b.get(user).attributes()).as(user).isEqualTo(a.get(user).attributes());
            }
        }
    }

    @Property(tries = 200)
    void mergingDeltasThenApplyingEqualsApplyingThemOneByOne(@ForAll("events") List<Event> events) {
        try (ProfileEngine engine = engine()) {
            assertAllApplied(recordOneByOne(engine, events));
            Map<String, ProfileState> stored = engine.store().loadAll(users(events));

            Map<String, List<Event>> byUser = events.stream().collect(Collectors.groupingBy(Event::userId));
            for (Map.Entry<String, List<Event>> e : byUser.entrySet()) {
                List<Delta> deltas = e.getValue().stream().map(REDUCER::reduce).toList();
                Delta merged = deltas.stream().reduce(Delta.empty(), Delta::merge);

                Map<String, Operation> oneByOne = new HashMap<>();
                deltas.forEach(d -> apply(oneByOne, d));
                Map<String, Operation> coalesced = apply(new HashMap<>(), merged);

                assertThat(oneByOne).isNotEmpty();
                assertThat(coalesced).as(e.getKey()).isEqualTo(oneByOne);
                assertThat(stored.get(e.getKey()).attributes()).as(e.getKey()).isEqualTo(oneByOne);
            }
        }
    }

    @Property(tries = 200)
    void recordingOneBatchEqualsRecordingOneByOne(@ForAll("events") List<Event> events) {
        try (ProfileEngine batch = engine(); ProfileEngine single = engine()) {
            List<Event> doubled = new ArrayList<>(events);
            doubled.addAll(events);
            List<RecordResult> results = batch.recordAll(doubled).join();
            assertAllApplied(results.subList(0, events.size()));
            assertThat(results.subList(events.size(), doubled.size()))
                    .allSatisfy(r -> assertThat(r.outcome()).isEqualTo(RecordResult.Outcome.DUPLICATE));
            assertAllApplied(recordOneByOne(single, events));

            Set<String> users = users(events);
            Map<String, ProfileState> a = batch.store().loadAll(users);
            Map<String, ProfileState> b = single.store().loadAll(users);
            for (String user : users) {
                assertThat(a.get(user).attributes()).as(user).isEqualTo(b.get(user).attributes());
                assertThat(a.get(user).seenEvents()).as(user).isEqualTo(b.get(user).seenEvents());
                Profile pa = batch.get(user).orElseThrow();
                Profile pb = single.get(user).orElseThrow();
                assertThat(pa.attributes()).as(user).isEqualTo(pb.attributes());
                assertThat(pa.lastEventTime()).as(user).isEqualTo(pb.lastEventTime());
                // one write per user per batch; one write per applied event otherwise
                assertThat(pa.version()).as(user).isEqualTo(1);
                assertThat(pb.version()).as(user).isEqualTo(events.stream().filter(e -> e.userId().equals(user)).count());
            }
        }
    }

    // ---- helpers ----

    private static ProfileEngine engine() {
        return ProfileEngine.builder().reducer(REDUCER).clock(CLOCK).schemas(SCHEMAS).build();
    }

    private static List<RecordResult> recordOneByOne(ProfileEngine engine, List<Event> events) {
        List<RecordResult> results = new ArrayList<>(events.size());
        for (Event e : events) {
            results.add(engine.record(e).join());
        }
        return results;
    }

    private static void assertAllApplied(List<RecordResult> results) {
        assertThat(results).allSatisfy(r -> assertThat(r.outcome()).as(r.eventId() + " " + r.violations())
                .isEqualTo(RecordResult.Outcome.APPLIED));
    }

    private static Set<String> users(List<Event> events) {
        return events.stream().map(Event::userId).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Applies a delta to attributes as a store's state is updated. */
    private static Map<String, Operation> apply(Map<String, Operation> attributes, Delta delta) {
        delta.operations().forEach((name, op) -> attributes.merge(name, op, Operation::merge));
        return attributes;
    }

    // ---- generators ----

    @Provide
    Arbitrary<List<Event>> events() {
        Arbitrary<String> users = Arbitraries.of("u1", "u2", "u3");
        Arbitrary<String> types = Arbitraries.of("page_view", "page_view", "purchase", "rate", "loyalty", "opt_out");
        // 13 slots 7 minutes apart: timestamps tie often, and span more than the windows.
        Arbitrary<Integer> slots = Arbitraries.integers().between(0, 12);
        Arbitrary<String> strings = Arbitraries.of("a", "b", "c", "d");
        Arbitrary<Number> amounts = Arbitraries.of(10L, 2.5, new BigDecimal("2.50"), new BigDecimal("10.0"), 0.1,
                1_000_000_000_000_000_000L, 1e18);
        Arbitrary<Object> ratings = Arbitraries.of(1L, 1.0, new BigDecimal("1.00"), "five", true);
        Arbitrary<Number> points = Arbitraries.of(5L, 2L, 2.5, new BigDecimal("0.5"));
        Arbitrary<Event> event = Combinators.combine(users, types, slots, strings, amounts, ratings, points)
                .as((user, type, slot, s, amount, rating, pts) -> {
                    Event e = Event.of(user, type).at(BASE.plus(Duration.ofMinutes(7L * slot)));
                    return switch (type) {
                        case "page_view" -> e.with("url", "/" + s);
                        case "purchase" -> e.with("order_id", "o-" + s).with("amount", amount)
                                .with("currency", "EUR").with("category", s);
                        case "rate" -> e.with("rating", rating);
                        case "loyalty" -> e.with("points", pts);
                        default -> e;
                    };
                });
        return event.list().ofMinSize(1).ofMaxSize(24).map(list -> {
            List<Event> withIds = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                withIds.add(list.get(i).withId("e" + i));
            }
            return withIds;
        });
    }

    @Provide
    Arbitrary<Tuple2<List<Event>, List<Event>>> eventsAndPermutation() {
        return events().flatMap(list -> Arbitraries.shuffle(list).map(p -> Tuple.of(list, p)));
    }

    @Provide
    Arbitrary<Tuple2<List<Event>, List<Event>>> eventsAndTwiceShuffled() {
        return events().flatMap(list -> {
            List<Event> doubled = new ArrayList<>(list);
            doubled.addAll(list);
            return Arbitraries.shuffle(doubled).map(p -> Tuple.of(list, p));
        });
    }
}
