package io.profilekit;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class JsonEventCodecPropertiesTest {
    private final JsonEventCodec codec = JsonEventCodec.create();

    @Property(tries = 200)
    void anyEventRoundTripsEqual(@ForAll("events") Event event) {
        byte[] json = codec.encode(event);

        assertThat(codec.decode(json)).isEqualTo(event);
        assertThat(codec.decode(codec.encodeToString(event))).isEqualTo(event);
        assertThat(codec.encode(codec.decode(json))).isEqualTo(json);
    }

    /**
     * The hand-written encoder writes what Jackson's generator (configured as the codec configured it
     * before: fast double writer, nesting depth limit) writes, and refuses what it refused with the
     * same message, whatever the depth limit.
     */
    @Property(tries = 500)
    void encodesWhatJacksonsGeneratorWrites(@ForAll("eventsWithDecimals") Event event,
                                            @ForAll @net.jqwik.api.constraints.IntRange(min = 1, max = 4) int maxDepth)
            throws java.io.IOException {
        EventLimits limits = EventLimits.defaults().withMaxDepth(maxDepth);
        String expected;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        com.fasterxml.jackson.core.JsonFactory factory = com.fasterxml.jackson.core.JsonFactory.builder()
                .streamWriteConstraints(com.fasterxml.jackson.core.StreamWriteConstraints.builder()
                        .maxNestingDepth(maxDepth + 1).build())
                .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
        com.fasterxml.jackson.core.JsonGenerator g = factory.createGenerator(out);
        try {
            JacksonEventWriter.write(g, event);
            g.close();
            expected = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            expected = "refused: " + io.profilekit.internal.JsonProblems.translate(e,
                    io.profilekit.internal.JsonProblems.path(g.getOutputContext()), limits, false);
        }
        String actual;
        try {
            actual = new String(JsonEventCodec.create(limits).encode(event), java.nio.charset.StandardCharsets.UTF_8);
        } catch (InvalidEventException e) {
            actual = "refused: " + e.violations().get(0);
        }
        assertThat(actual).isEqualTo(expected);
    }

    /** Events whose properties also hold BigDecimals (which decode as numbers of another type). */
    @Provide
    Arbitrary<Event> eventsWithDecimals() {
        return Combinators.combine(events(), Arbitraries.maps(names(),
                        Arbitraries.bigDecimals().ofScale(4).map(d -> (Object) d)).ofMaxSize(2))
                .as((e, decimals) -> {
                    Map<String, Object> props = new java.util.LinkedHashMap<>(e.properties());
                    props.putAll(decimals);
                    return new Event(e.eventId(), e.userId(), e.type(), e.timestamp(), e.sessionId(), props);
                });
    }

    @Provide
    Arbitrary<Event> events() {
        Arbitrary<String> ids = Arbitraries.strings().withCharRange('!', '~').withChars("é€ユ😀").ofMinLength(1).ofMaxLength(40);
        Arbitrary<Instant> times = Combinators.combine(
                Arbitraries.longs().between(-62_000_000_000L, 250_000_000_000L),
                Arbitraries.integers().between(0, 999_999_999)).as(Instant::ofEpochSecond);
        Arbitrary<Map<String, Object>> properties = Arbitraries.maps(names(), values(3)).ofMaxSize(10);
        return Combinators.combine(ids, ids, ids, times, ids.optional(), properties)
                .as((id, user, type, time, session, props) -> new Event(id, user, type, time, session, props));
    }

    private Arbitrary<String> names() {
        return Arbitraries.strings().ofMaxLength(12);
    }

    private Arbitrary<Object> values(int depth) {
        Arbitrary<Object> scalars = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(30).map(s -> s),
                Arbitraries.longs().map(l -> l),
                Arbitraries.doubles().filter(Double::isFinite).map(d -> d),
                Arbitraries.of(2e23, 1e-7, 4.35, 5e-324, 1.0E22, 9007199254740993.0).map(d -> d),
                Arbitraries.of(true, false).map(b -> b),
                Arbitraries.just(Optional.empty()).map(o -> o.orElse(null)));
        if (depth == 0) {
            return scalars;
        }
        Arbitrary<Object> lists = values(depth - 1).list().ofMaxSize(4).map(l -> l);
        Arbitrary<Object> maps = Arbitraries.maps(names(), values(depth - 1)).ofMaxSize(4).map(m -> m);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, scalars), net.jqwik.api.Tuple.of(1, lists), net.jqwik.api.Tuple.of(1, maps));
    }
}
