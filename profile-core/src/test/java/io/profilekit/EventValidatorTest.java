package io.profilekit;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventValidatorTest {
    private static final Instant NOW = Instant.parse("2026-11-28T10:15:30.123Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final EventSchemas ANY_TYPE = EventSchemas.builder().allowUnknownTypes(true).build();

    private final EventValidator validator = new EventValidator(EventSchemas.builtIn(), EventLimits.defaults(), CLOCK);
    private final EventValidator limitsOnly = new EventValidator(ANY_TYPE, EventLimits.defaults(), CLOCK);

    @Test
    void validEventGivesTheSharedEmptyList() {
        Event e = pageView();

        assertThat(validator.validate(e)).isSameAs(List.of());
        validator.requireValid(e);
    }

    @Test
    void futureSkewUpToTheLimitPassesAndOneMillisecondMoreIsRefused() {
        Instant limit = NOW.plus(Duration.ofHours(1));

        assertThat(validator.validate(pageView().at(limit))).isEmpty();
        assertThat(validator.validate(pageView().at(NOW.minus(Duration.ofDays(3650))))).isEmpty();
        assertThat(messages(validator, pageView().at(limit.plusNanos(1)))).containsExactly(
                "timestamp: expected at most PT1H after the current time 2026-11-28T10:15:30.123Z (maxFutureSkew), "
                        + "got 2026-11-28T11:15:30.123000001Z");
        EventValidator strict = new EventValidator(EventSchemas.builtIn(),
                EventLimits.defaults().withMaxFutureSkew(Duration.ZERO), CLOCK);
        assertThat(strict.validate(pageView().at(NOW))).isEmpty();
        assertThat(strict.validate(pageView().at(NOW.plusMillis(1)))).hasSize(1);
    }

    @Test
    void farFutureTimestampsDoNotOverflow() {
        assertThat(messages(validator, pageView().at(Instant.MAX))).hasSize(1);
        EventValidator huge = new EventValidator(EventSchemas.builtIn(),
                EventLimits.defaults().withMaxFutureSkew(Duration.ofSeconds(Long.MAX_VALUE)), CLOCK);
        assertThat(huge.validate(pageView().at(Instant.MAX))).isEmpty();
    }

    @Test
    void identifiersAtTheirLimitsPassAndOneMoreIsRefused() {
        String userId = "é".repeat(128);
        Event ok = new Event("e".repeat(256), userId, "t", NOW, Optional.of("s".repeat(256)), Map.of());
        Event over = new Event("e".repeat(257), userId + "a", "t".repeat(257), NOW, Optional.of("s".repeat(257)), Map.of());

        assertThat(limitsOnly.validate(ok)).isEmpty();
        assertThat(messages(limitsOnly, over)).containsExactly(
                "eventId: expected at most 256 characters, got 257",
                "userId: expected at most 256 bytes of UTF-8, got 257",
                "type: expected at most 256 characters, got 257",
                "sessionId: expected at most 256 characters, got 257");
    }

    @Test
    void blankIdentifiersAreRefusedAndSkipTheSchema() {
        Event blank = new Event(" ", "", "\t", NOW, Optional.of(" "), Map.of());

        assertThat(messages(validator, blank)).containsExactly("eventId: must not be blank", "userId: must not be blank",
                "type: must not be blank", "sessionId: must not be blank");
    }

    @Test
    void stringsAnywhereInPropertiesAreLimited() {
        String max = "x".repeat(8192);
        Event ok = Event.of("u", "t").at(NOW).with(max, max).with("l", List.of(Map.of("k", max)));
        Event over = Event.of("u", "t").at(NOW).with(max + "x", 1).with("l", List.of(Map.of("k", max + "x")));

        assertThat(limitsOnly.validate(ok)).isEmpty();
        assertThat(messages(limitsOnly, over)).containsExactly(
                "t." + max + "x: expected a string of at most 8192 characters (maxStringLength), got 8193 characters",
                "t.l[0].k: expected a string of at most 8192 characters (maxStringLength), got 8193 characters");
    }

    @Test
    void propertyCountIsLimitedAtEveryLevel() {
        Map<String, Object> max = numbered(256);
        Map<String, Object> over = numbered(257);

        assertThat(limitsOnly.validate(Event.of("u", "t").at(NOW).withAll(max))).isEmpty();
        assertThat(messages(limitsOnly, Event.of("u", "t").at(NOW).withAll(over)))
                .containsExactly("t: more than 256 properties (maxProperties)");
        assertThat(messages(limitsOnly, Event.of("u", "t").at(NOW).with("o", over)))
                .containsExactly("t.o: more than 256 properties (maxProperties)");
    }

    @Test
    void nestingIsLimitedToMaxDepth() {
        assertThat(limitsOnly.validate(Event.of("u", "t").at(NOW).with("a", nested(15)))).isEmpty();
        assertThat(messages(limitsOnly, Event.of("u", "t").at(NOW).with("a", nested(16))))
                .containsExactly("t.a" + "[0]".repeat(15) + ": nested deeper than 16 levels (maxDepth)");
    }

    @Test
    void reportsLimitAndSchemaProblemsTogether() {
        Event e = new Event("e1", " ", "purchase", NOW.plus(Duration.ofDays(1)), Optional.empty(),
                Map.of("amount", "abc", "note", "x".repeat(9000)));

        assertThat(messages(validator, e)).containsExactlyInAnyOrder(
                "userId: must not be blank",
                "timestamp: expected at most PT1H after the current time 2026-11-28T10:15:30.123Z (maxFutureSkew), "
                        + "got 2026-11-29T10:15:30.123Z",
                "purchase.note: expected a string of at most 8192 characters (maxStringLength), got 9000 characters",
                "purchase.order_id: required property is missing",
                "purchase.amount: expected a number >= 0, got \"abc\"",
                "purchase.currency: required property is missing");
        assertThatThrownBy(() -> validator.requireValid(e)).isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("purchase.amount: expected a number >= 0, got \"abc\"");
    }

    @Test
    void unknownTypeIsReportedByTheValidator() {
        assertThat(messages(validator, Event.of("u", "foo").at(NOW)))
                .containsExactly("type: unknown event type \"foo\" (register a schema or allow unknown types)");
    }

    private static Event pageView() {
        return new Event("e-1", "u42", "page_view", NOW, Optional.of("s1"),
                Map.of("url", "/shoes", "referrer", "https://search.example/?q=shoes"));
    }

    private static Object nested(int lists) {
        Object v = 1L;
        for (int i = 0; i < lists; i++) {
            v = List.of(v);
        }
        return v;
    }

    private static Map<String, Object> numbered(int n) {
        Map<String, Object> map = new HashMap<>();
        for (int i = 0; i < n; i++) {
            map.put("p" + i, (long) i);
        }
        return map;
    }

    private static List<String> messages(EventValidator v, Event e) {
        return v.validate(e).stream().map(Violation::toString).toList();
    }

    @Test
    void decimalsTheCodecCouldNotReadBackAreRefusedAndTheOthersRoundTrip() {
        java.math.BigDecimal tooLong = new java.math.BigDecimal("0." + "1".repeat(70));
        java.math.BigDecimal bigInteger = new java.math.BigDecimal("18446744073709551616");
        java.math.BigDecimal pastDouble = new java.math.BigDecimal("1E+400");
        Event bad = Event.of("u", "t").withId("e1").at(NOW).with("a", tooLong)
                .with("b", List.of(bigInteger)).with("c", Map.of("d", pastDouble));
        assertThat(messages(limitsOnly, bad)).containsExactlyInAnyOrder(
                "t.a: expected a number of at most 64 characters, got 0." + "1".repeat(59) + "...",
                "t.b[0]: expected an integer within 64 bits, got 18446744073709551616",
                "t.c.d: expected a number within the range of a double, got 1E+400");

        JsonEventCodec codec = JsonEventCodec.create();
        for (java.math.BigDecimal ok : new java.math.BigDecimal[] {new java.math.BigDecimal("19.99"),
                new java.math.BigDecimal("9223372036854775807"), new java.math.BigDecimal("1E+300"),
                new java.math.BigDecimal("0." + "1".repeat(60))}) {
            Event e = Event.of("u", "t").withId("e2").at(NOW).with("a", ok);
            assertThat(limitsOnly.validate(e)).as("%s", ok).isEmpty();
            assertThat(((Number) codec.decode(codec.encode(e)).properties().get("a")).doubleValue())
                    .isEqualTo(ok.doubleValue());
        }
        for (java.math.BigDecimal refused : new java.math.BigDecimal[] {tooLong, bigInteger, pastDouble}) {
            Event e = Event.of("u", "t").withId("e3").at(NOW).with("a", refused);
            assertThatThrownBy(() -> codec.decode(codec.encode(e))).as("%s", refused)
                    .isInstanceOf(InvalidEventException.class);
        }
    }
}
