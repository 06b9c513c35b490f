package io.profilekit;

import io.profilekit.op.Operation;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** Operations at the edges of their settings' and values' ranges, as the DSL builds them. */
class OperationExtremesTest {
    static final long T = 1_717_171_717_000L;

    static Operation op(long time, long tie, Consumer<DeltaBuilder> declare) {
        DeltaBuilder b = new DeltaBuilder(time, tie);
        declare.accept(b);
        return b.build().operation(0);
    }

    static Operation merged(Consumer<DeltaBuilder> declare, long... times) {
        Operation acc = null;
        for (int i = 0; i < times.length; i++) {
            Operation o = op(times[i], i, declare);
            acc = acc == null ? o : acc.merge(o);
        }
        return acc;
    }

    @Test
    void aWindowAsLongAsTimeItselfCountsEveryEvent() {
        Duration forever = Duration.ofMillis(Long.MAX_VALUE);
        assertThat(merged(p -> p.windowedCount("w", forever), T - 3_600_000, T, T - 1).read(T + 1)).isEqualTo(3L);
        assertThat(merged(p -> p.windowedCount("w", forever, Duration.ofMillis(1)), T - 3_600_000, T, T - 1)
                .read(T + 1)).isEqualTo(3L);
        assertThat(merged(p -> p.windowedCount("w", forever, Duration.ofDays(1)), -T, T, 0).read(T)).isEqualTo(3L);
        // read at a time before the epoch: the window's start is before any representable time
        assertThat(merged(p -> p.windowedCount("w", forever), -T - 5, -T).read(-T)).isEqualTo(2L);
    }
    @Test
    void aHalfLifeTooLongForTheBucketArithmeticIsRefusedNotMisread() {
        long longest = Long.MAX_VALUE / io.profilekit.op.DecayingScore.HALF_LIVES_PER_BUCKET;
        Operation twoEvents = merged(p -> p.decay("d", 1.0, Duration.ofMillis(longest)), 0, T);
        assertThat((double) twoEvents.read(T)).isCloseTo(1 + Math.pow(2, -(double) T / longest),
                org.assertj.core.api.Assertions.within(1e-6)); // 20 fraction bits
        for (Duration tooLong : new Duration[] {Duration.ofMillis(longest + 1), Duration.ofMillis(Long.MAX_VALUE),
                Duration.ofSeconds(Long.MAX_VALUE)}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> op(T, 1, p -> p.decay("d", 1.0, tooLong)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("decay half-life must be at most " + longest + " ms");
        }
    }

    @Test
    void aWindowBeyondTheRangeOfMillisecondsIsAllTime() {
        Duration beyond = Duration.ofSeconds(Long.MAX_VALUE);
        assertThat(merged(p -> p.windowedCount("w", beyond), T - 3_600_000, T).read(T)).isEqualTo(2L);
    }
    @Test
    void bigIntegerAndFloatAmountsKeepTheirExactValue() {
        java.math.BigInteger big = java.math.BigInteger.TWO.pow(70).add(java.math.BigInteger.ONE);
        assertThat(op(T, 1, p -> p.max("m", big)).read(T)).isEqualTo(new java.math.BigDecimal(big));
        assertThat(op(T, 1, p -> p.min("m", java.math.BigInteger.valueOf(7))).read(T)).isEqualTo(7L);
        assertThat(op(T, 1, p -> p.add("s", big)).read(T)).isEqualTo(new java.math.BigDecimal(big));
        // floats count by their shortest decimal form, as doubles do
        assertThat(op(T, 1, p -> p.add("s", 0.1f)).read(T)).isEqualTo(new java.math.BigDecimal("0.1"));
        assertThat(op(T, 1, p -> p.max("m", 0.1f)).read(T)).isEqualTo(new java.math.BigDecimal("0.1"));
    }
    @Test
    void aNonFiniteAmountToAddIsRefusedNamingTheAttribute() {
        for (Number bad : new Number[] {Double.NaN, Double.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> op(T, 1, p -> p.add("revenue", bad)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("revenue: expected a finite number, got " + bad);
        }
    }
    @Test
    void anEventTimeOutsideTheMillisecondRangeIsRefusedWithAClearError() {
        ProfileReducer reducer = ProfileReducer.builder().onEvery((e, p) -> p.increment("events"))
                .session((e, p) -> p.increment("events")).build();
        for (java.time.Instant far : new java.time.Instant[] {java.time.Instant.MAX, java.time.Instant.MIN}) {
            Event e = Event.of("u", "page_view").at(far);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> reducer.reduce(e))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("timestamp " + far);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> reducer.reduceSession(e))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(reducer.reduce(Event.of("u", "page_view").at(java.time.Instant.ofEpochMilli(Long.MAX_VALUE)))
                .operation(0).updatedAt()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void decimalsTooLongWrittenOutAreRefusedNamingTheAttributeAndSumsOfTheLongestStayReadable() {
        for (Number n : new Number[] {new BigDecimal("1E+100000000"), new BigDecimal("-1E-2000"),
                new java.math.BigInteger("9".repeat(1001))}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> op(T, 1, p -> p.add("revenue", n)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("revenue: expected a decimal of at most 1000 characters written out");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> op(T, 1, p -> p.max("largest", n)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("largest: expected a decimal of at most 1000 characters written out");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> op(T, 1, p -> p.set("last", n)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected a decimal of at most 1000 characters written out");
        }
        BigDecimal longest = new BigDecimal("-" + "9".repeat(999));
        assertThat(op(T, 1, p -> p.add("revenue", longest)).read(T)).isEqualTo(longest);
        assertThat(op(T, 1, p -> p.add("revenue", new BigDecimal("1E-997"))).read(T)).isEqualTo(new BigDecimal("1E-997"));
    }

    @Test
    void anEventRefusesADecimalTooLongWrittenOutAndTheEngineRejectsAReducerAmountSo() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Event.of("u", "purchase")
                        .with("amount", new BigDecimal("1E+100000000")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("amount: expected a decimal of at most 1000 characters written out")
                .hasMessageEndingWith("got 1E+100000000");
        ProfileReducer reducer = ProfileReducer.builder()
                .on("bonus", (e, p) -> p.add("points", new BigDecimal(e.string("points"))))
                .build();
        EventSchemas schemas = EventSchemas.builder().allowUnknownTypes(true).build();
        try (ProfileEngine engine = ProfileEngine.builder().reducer(reducer).schemas(schemas).build()) {
            RecordResult r = engine.record(Event.of("u", "bonus").with("points", "1E+100000000")).join();
            assertThat(r.outcome()).isEqualTo(RecordResult.Outcome.REJECTED);
            assertThat(r.violations().toString()).contains("points: expected a decimal of at most 1000 characters");
            assertThat(engine.record(Event.of("u", "bonus").with("points", "2.5")).join().applied()).isTrue();
            assertThat(engine.get("u").orElseThrow().getDecimal("points")).contains(new BigDecimal("2.5"));
        }
    }

    @Test
    void aTopNOfAHugeNKeepsAValidCapacityAndAnIntegralDoubleReadsAsALong() {
        Operation top = op(T, 1, p -> p.topN("t", "x", Integer.MAX_VALUE / 2));
        assertThat(((io.profilekit.op.TopValues) top).capacity()).isEqualTo(Integer.MAX_VALUE);
        ProfileReducer reducer = ProfileReducer.builder()
                .on("m", (e, p) -> p.set("ratio", 3.0).set("half", 2.5).set("huge", 1e19))
                .build();
        try (ProfileEngine engine = ProfileEngine.builder().reducer(reducer)
                .schemas(EventSchemas.builder().allowUnknownTypes(true).build()).build()) {
            engine.record(Event.of("u", "m")).join();
            Profile p = engine.get("u").orElseThrow();
            assertThat(p.getLong("ratio")).contains(3L);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.getLong("half"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("expected an integer");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.getLong("huge"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("expected an integer");
        }
    }
}
