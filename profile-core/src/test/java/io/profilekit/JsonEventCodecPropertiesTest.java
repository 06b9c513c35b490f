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
