package io.profilekit.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link JsonBytes} writes numbers, strings and instants as the reference writers do, growing from one byte. */
class JsonBytesPropertiesTest {
    private static final JsonFactory JSON = new JsonFactory();

    @Property(tries = 2000)
    void numbersAreWrittenAsLongToStringWritesThem(@ForAll("numbers") long value) {
        JsonBytes w = new JsonBytes(1);
        w.number(value);
        assertThat(new String(w.toByteArray(), StandardCharsets.US_ASCII))
                .isEqualTo(Long.toString(value));
    }

    /** Any long, weighted towards the edges of the eight-digit parts and of the range. */
    @Provide
    Arbitrary<Long> numbers() {
        Arbitrary<Long> edges = Arbitraries.of(0L, 9L, 10L, 99L, 100L, 99_999_999L, 100_000_000L, 100_000_001L,
                9_999_999_999_999_999L, 10_000_000_000_000_000L, 1_795_847_820_151L, Long.MAX_VALUE, Long.MIN_VALUE,
                Long.MIN_VALUE + 1, -1L, -100_000_000L, (long) Integer.MAX_VALUE + 1);
        Arbitrary<Long> powers = Arbitraries.integers().between(0, 18)
                .flatMap(e -> Arbitraries.longs().between(-1, 1).map(d -> (long) Math.pow(10, e) + d));
        return Arbitraries.frequencyOf(
                Tuple.of(2, edges), Tuple.of(2, powers),
                Tuple.of(6, Arbitraries.longs()));
    }

    @Property(tries = 1000)
    void stringsAreWrittenAsJacksonWritesThem(@ForAll String text) throws IOException {
        JsonBytes w = new JsonBytes(1);
        w.string(text);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(expected)) {
            g.writeString(text);
        }
        assertThat(w.toByteArray()).isEqualTo(expected.toByteArray());
    }

    @Property(tries = 1000)
    void instantsAreWrittenAsIsoInstantFormatsThem(@ForAll("instants") Instant t) {
        JsonBytes w = new JsonBytes(1);
        w.isoInstant(t);
        assertThat(new String(w.toByteArray(), StandardCharsets.US_ASCII)).isEqualTo(t.toString());
    }

    @Provide
    Arbitrary<Instant> instants() {
        // mostly years 0000 to 9999 (written digit by digit), some beyond (written by Instant.toString)
        Arbitrary<Long> seconds = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.longs().between(-62_167_219_200L, 253_402_300_799L)),
                Tuple.of(2, Arbitraries.longs().between(Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond())));
        Arbitrary<Integer> nanos = Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(0)),
                Tuple.of(1, Arbitraries.integers().between(0, 999).map(m -> m * 1_000_000)),
                Tuple.of(2, Arbitraries.integers().between(0, 999_999_999)));
        return seconds.flatMap(sec -> nanos.map(n -> Instant.ofEpochSecond(sec, n)));
    }

    @Property(tries = 200)
    void releaseDropsOnlyABufferLargerThanAsked(@ForAll("sizes") int written) {
        JsonBytes w = new JsonBytes(16);
        for (int i = 0; i < written; i++) {
            w.raw('x');
        }
        w.release(1024);
        assertThat(w.size()).isEqualTo(written > 1024 ? 0 : written); // a kept buffer keeps its output
        w.reset();
        w.raw("after");
        assertThat(new String(w.toByteArray(), StandardCharsets.US_ASCII)).isEqualTo("after");
    }

    @Provide
    Arbitrary<Integer> sizes() {
        return Arbitraries.integers().between(0, 5000);
    }
}
