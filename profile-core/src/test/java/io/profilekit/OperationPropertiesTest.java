package io.profilekit;

import io.profilekit.internal.JsonValues;
import io.profilekit.op.CappedSet;
import io.profilekit.op.Counter;
import io.profilekit.op.DecayingScore;
import io.profilekit.op.DecimalSum;
import io.profilekit.op.Extremum;
import io.profilekit.op.FirstWrite;
import io.profilekit.op.LastWrite;
import io.profilekit.op.Operation;
import io.profilekit.op.RecentValues;
import io.profilekit.op.TopValues;
import io.profilekit.op.WindowedCount;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Merge laws of every operation family (convergence: the result depends on the set of operations,
 * not on their order or grouping), and the read semantics of decaying scores and windowed counts
 * against values computed directly from the raw events.
 *
 * <p>Generators use small domains for times, tie-breakers and values so that ties, duplicates and
 * numerically equal values of different types ({@code 1}, {@code 1.0}, {@code 1.00}) meet often.
 * Operations with state (lists, buckets) are generated the way they arise: as merges of the
 * single-event operations the DSL creates, with settings shared by the operands.
 */
class OperationPropertiesTest {

    // ---- merge laws, one property per family ----

    @Property
    void lastWriteMergeIsCommutativeAndAssociative(@ForAll("lastWrites") List<Operation> ops) {
        assertMergeLaws(ops);
    }

    @Property
    void firstWriteMergeIsCommutativeAndAssociative(@ForAll("firstWrites") List<Operation> ops) {
        assertMergeLaws(ops);
    }

    @Property
    void counterMergeIsCommutativeAndAssociative(@ForAll("counters") List<Operation> ops) {
        assertMergeLaws(ops);
    }

    @Property
    void decimalSumMergeIsCommutativeAndAssociative(@ForAll("decimalSums") List<Operation> ops) {
        assertMergeLaws(ops);
    }

    @Property
    void extremumMergeIsCommutativeAndAssociative(@ForAll("extrema") List<Operation> ops) {
        assertMergeLaws(ops);
    }

    @Property
    void recentValuesMergeIsCommutativeAndAssociative(@ForAll("recentValues") List<Operation> ops) {
        assertMergeLaws(ops);
    }

    @Property
    void cappedSetMergeIsCommutativeAndAssociative(@ForAll("cappedSets") List<Operation> ops) {
        assertMergeLaws(ops);
    }

    @Property
    void decayingScoreMergeIsCommutativeAndAssociative(@ForAll("decayingScores") List<Operation> ops) {
        assertMergeLaws(ops);
    }

    @Property
    void windowedCountMergeIsCommutativeAndAssociative(@ForAll("windowedCounts") List<Operation> ops) {
        assertMergeLaws(ops);
    }

    @Property
    void topValuesMergeIsCommutativeAndAssociativeWithinCapacity(@ForAll("topValues") List<Operation> ops) {
        assertMergeLaws(ops);
    }

    /** Different families under one name (a reducer changed between deployments): the newer wins, in any order. */
    @Property
    void mixedFamilyMergeIsCommutative(@ForAll("anyOperations") Operation a, @ForAll("anyOperations") Operation b) {
        Operation ab = a.merge(b);
        assertThat(ab).isEqualTo(b.merge(a));
        if (!a.kind().equals(b.kind()) && !(isSum(a) && isSum(b))) {
            assertThat(ab).isIn(a, b);
            assertThat(ab.updatedAt()).isEqualTo(Math.max(a.updatedAt(), b.updatedAt()));
        }
    }

    /** {@code add} gives counters for integral amounts and decimal sums otherwise: together they add up. */
    @Property
    void countersAndDecimalSumsAddUpInAnyOrder(@ForAll("sums") List<Operation> ops) {
        assertMergeLaws(ops);
        BigDecimal expected = BigDecimal.ZERO;
        for (Operation op : ops) {
            expected = expected.add(op instanceof Counter c ? BigDecimal.valueOf(c.value()) : ((DecimalSum) op).value());
        }
        Object sum = ops.get(0).merge(ops.get(1)).merge(ops.get(2)).read(0);
        assertThat(new BigDecimal(sum.toString())).isEqualByComparingTo(expected);
    }

    private static boolean isSum(Operation op) {
        return op instanceof Counter || op instanceof DecimalSum;
    }

    // ---- idempotence where the family promises it ----

    @Property
    void recentValuesMergingTheSameDeltaTwiceEqualsOnce(@ForAll("recentValues") List<Operation> ops) {
        assertIdempotent(ops);
    }

    @Property
    void cappedSetMergingTheSameDeltaTwiceEqualsOnce(@ForAll("cappedSets") List<Operation> ops) {
        assertIdempotent(ops);
    }

    @Property
    void registersAndExtremaMergingTheSameDeltaTwiceEqualsOnce(@ForAll("idempotentRegisters") List<Operation> ops) {
        assertIdempotent(ops);
    }

    // ---- read semantics ----

    @Property
    void decayingScoreReadsTheSumOfExponentiallyDecayedAmounts(
            @ForAll @Size(min = 1, max = 20) List<@DoubleRange(min = -1000, max = 1000) Double> amounts,
            @ForAll @Size(min = 20, max = 20) List<@DoubleRange(min = 0, max = 40) Double> ages,
            @ForAll("halfLives") long halfLife,
            @ForAll @LongRange(min = -1_000_000_000_000L, max = 4_000_000_000_000L) long now) {
        Operation score = null;
        double expected = 0;
        for (int i = 0; i < amounts.size(); i++) {
            long t = now - Math.round(ages.get(i) * halfLife);
            expected += amounts.get(i) * Math.pow(2, -(double) (now - t) / halfLife);
            DecayingScore d = DecayingScore.of(amounts.get(i), t, halfLife);
            score = score == null ? d : score.merge(d);
        }
        double actual = (Double) score.read(now);
        assertThat(actual).isCloseTo(expected, within(1e-5 * Math.abs(expected) + 1e-5));
    }

    @Property
    void windowedCountReadsTheEventsWhoseBucketIsInTheWindow(
            @ForAll @LongRange(min = 1, max = 1000) long bucket,
            @ForAll @LongRange(min = 1, max = 50) long bucketsPerWindow,
            @ForAll @LongRange(min = 0, max = 999) long windowExtra,
            @ForAll @Size(min = 1, max = 30) List<@DoubleRange(min = 0, max = 3) Double> ages,
            @ForAll @LongRange(min = -1_000_000_000_000L, max = 4_000_000_000_000L) long newest,
            @ForAll @DoubleRange(min = 0, max = 2) double readDelay) {
        long window = bucketsPerWindow * bucket + windowExtra % bucket;
        long now = newest + Math.round(readDelay * window);
        List<Long> times = new ArrayList<>();
        times.add(newest);
        for (double age : ages) {
            times.add(newest - Math.round(age * window));
        }
        Operation count = null;
        for (long t : times) {
            WindowedCount w = WindowedCount.of(t, window, bucket);
            count = count == null ? w : count.merge(w);
        }
        // Javadoc: the buckets from the one holding now - window to the one holding now.
        long first = Math.floorDiv(now - window, bucket);
        long last = Math.floorDiv(now, bucket);
        long expected = times.stream().map(t -> Math.floorDiv(t, bucket)).filter(b -> b >= first && b <= last).count();
        assertThat(count.read(now)).isEqualTo(expected);
    }

    // ---- law checks ----

    private static void assertMergeLaws(List<Operation> ops) {
        Operation a = ops.get(0);
        Operation b = ops.get(1);
        Operation c = ops.get(2);
        assertThat(a.merge(b)).as("a+b vs b+a").isEqualTo(b.merge(a));
        assertThat(a.merge(b).merge(c)).as("(a+b)+c vs a+(b+c)").isEqualTo(a.merge(b.merge(c)));
        assertThat(a.merge(c).merge(b)).as("(a+c)+b vs (a+b)+c").isEqualTo(a.merge(b).merge(c));
    }

    private static void assertIdempotent(List<Operation> ops) {
        Operation a = ops.get(0);
        Operation d = ops.get(1);
        assertThat(d.merge(d)).as("d+d vs d").isEqualTo(d);
        assertThat(a.merge(d).merge(d)).as("(a+d)+d vs a+d").isEqualTo(a.merge(d));
        assertThat(d.merge(a.merge(d))).as("d+(a+d) vs a+d").isEqualTo(a.merge(d));
    }

    // ---- generators ----

    /** JSON-like values, normalized as the DSL stores them, with numerically equal values of different types. */
    static Arbitrary<Object> values() {
        Map<String, Object> withNull = new HashMap<>();
        withNull.put("k", null);
        Map<String, Object> withNullString = new LinkedHashMap<>();
        withNullString.put("k", "\u0000null");
        return Arbitraries.<Object>of(
                "a", "b", "", "\u0000null",
                true, false,
                1L, 2L, 0L, 1.0, -0.0, 0.0, 2.5, new BigDecimal("1.0"), new BigDecimal("1.00"), new BigDecimal("2.50"),
                Instant.ofEpochMilli(0), Instant.ofEpochMilli(1),
                List.of(1L, "a"), List.of(1.0, "a"), List.of(),
                withNull, withNullString, Map.of("k", 1L), Map.of("k", 1.0)).map(JsonValues::normalize);
    }

    /** Numbers of every type a caller may pass, with equal values of different types and near the long range. */
    static Arbitrary<Number> numbers() {
        return Arbitraries.<Number>of(
                0L, 1L, -1L, 1_000_000_000_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE, 1, (short) 1,
                1.0, 0.5, -0.0, 1e18, 9.223372036854776E18, -9.223372036854776E18,
                new BigDecimal("1.0"), new BigDecimal("0.50"), new BigDecimal("1E+18"),
                new BigDecimal("9223372036854775807"), new BigDecimal("-9223372036854775808"),
                new BigDecimal("1E+19"), new BigDecimal("-0.0"), new BigDecimal(BigInteger.TEN.pow(18)));
    }

    private static Arbitrary<Long> times() {
        return Arbitraries.longs().between(0, 5);
    }

    private static Arbitrary<Long> ties() {
        return Arbitraries.longs().between(-1, 1);
    }

    /** Three operations sharing settings: each the merge of one to five single-event operations. */
    private static <S> Arbitrary<List<Operation>> triples(Arbitrary<S> settings,
                                                          Function<S, Arbitrary<? extends Operation>> singles) {
        return settings.flatMap(s -> singles.apply(s).list().ofMinSize(1).ofMaxSize(5)
                .map(list -> list.stream().map(o -> (Operation) o).reduce(Operation::merge).orElseThrow())
                .list().ofSize(3));
    }

    private static Arbitrary<List<Operation>> triplesOf(Arbitrary<? extends Operation> ops) {
        return ops.map(o -> (Operation) o).list().ofSize(3);
    }

    @Provide
    Arbitrary<List<Operation>> lastWrites() {
        return triplesOf(lastWrite());
    }

    private static Arbitrary<Operation> lastWrite() {
        return Combinators.combine(values(), Arbitraries.of(true, false), times(), ties())
                .as((v, present, t, tie) -> new LastWrite(present ? v : null, present, t, tie));
    }

    @Provide
    Arbitrary<List<Operation>> firstWrites() {
        return triplesOf(firstWrite());
    }

    private static Arbitrary<Operation> firstWrite() {
        return Combinators.combine(values(), times(), ties()).as(FirstWrite::new);
    }

    @Provide
    Arbitrary<List<Operation>> counters() {
        // Amounts that cannot reach the saturation bounds: saturating addition is not associative there.
        return triplesOf(Combinators.combine(Arbitraries.longs().between(-(1L << 60), 1L << 60), times())
                .as(Counter::new));
    }

    @Provide
    Arbitrary<List<Operation>> decimalSums() {
        Arbitrary<BigDecimal> amounts = Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(-3, 6))
                .as(BigDecimal::valueOf);
        return triplesOf(Combinators.combine(amounts, times()).as(DecimalSum::new));
    }

    @Provide
    Arbitrary<List<Operation>> sums() {
        return triplesOf(Arbitraries.oneOf(
                Combinators.combine(Arbitraries.longs().between(-(1L << 60), 1L << 60), times()).as(Counter::new),
                Combinators.combine(Arbitraries.longs().between(-1000, 1000), Arbitraries.integers().between(0, 3),
                        times()).as((u, scale, t) -> new DecimalSum(BigDecimal.valueOf(u, scale), t))));
    }

    @Provide
    Arbitrary<List<Operation>> extrema() {
        return triples(Arbitraries.of(true, false),
                max -> Combinators.combine(numbers(), times()).as((n, t) -> new Extremum(max, n, t)));
    }

    @Provide
    Arbitrary<List<Operation>> recentValues() {
        return triples(Arbitraries.integers().between(1, 4),
                cap -> Combinators.combine(values(), times(), ties()).as((v, t, tie) -> RecentValues.of(v, t, tie, cap)));
    }

    @Provide
    Arbitrary<List<Operation>> cappedSets() {
        return triples(Arbitraries.integers().between(1, 4),
                cap -> Combinators.combine(values(), times()).as((v, t) -> CappedSet.of(v, t, cap)));
    }

    @Provide
    Arbitrary<Long> halfLives() {
        return Arbitraries.oneOf(Arbitraries.of(1L, 7L, 1000L, 3_600_000L, 7 * 86_400_000L),
                Arbitraries.longs().between(1, 30L * 86_400_000L));
    }

    @Provide
    Arbitrary<List<Operation>> decayingScores() {
        // Times spread over ~100 half-lives, so that old buckets get dropped.
        return triples(halfLives(), hl -> Combinators.combine(
                        Arbitraries.integers().between(-1_000_000, 1_000_000).map(m -> m / 1000.0),
                        Arbitraries.longs().between(0, 100))
                .as((amount, halfLives) -> DecayingScore.of(amount, halfLives * hl + (halfLives % 3), hl)));
    }

    private record WindowSettings(long window, long bucket) {
    }

    @Provide
    Arbitrary<List<Operation>> windowedCounts() {
        Arbitrary<WindowSettings> settings = Arbitraries.longs().between(1, 5).flatMap(bucket ->
                Arbitraries.longs().between(bucket, 4 * bucket + 3).map(w -> new WindowSettings(w, bucket)));
        return triples(settings, s -> Arbitraries.longs().between(-5, 60)
                .map(t -> WindowedCount.of(t, s.window(), s.bucket())));
    }

    private record TopSettings(int n, int capacity, List<Object> domain) {
    }

    @Provide
    Arbitrary<List<Operation>> topValues() {
        // Exactness is promised while there are at most `capacity` distinct values.
        Arbitrary<TopSettings> settings = Arbitraries.integers().between(1, 3).flatMap(n ->
                Arbitraries.integers().between(n, 6).flatMap(cap ->
                        values().list().ofMinSize(1).ofMaxSize(cap).uniqueElements()
                                .map(domain -> new TopSettings(n, cap, domain))));
        return triples(settings, s -> Combinators.combine(Arbitraries.of(s.domain()), times())
                .as((v, t) -> TopValues.of(v, t, s.n(), s.capacity())));
    }

    @Provide
    Arbitrary<List<Operation>> idempotentRegisters() {
        return Arbitraries.oneOf(lastWrites(), firstWrites(), extrema());
    }

    @Provide
    Arbitrary<Operation> anyOperations() {
        return Arbitraries.oneOf(lastWrite(), firstWrite(),
                Combinators.combine(Arbitraries.longs().between(-3, 3), times()).as(Counter::new),
                Combinators.combine(Arbitraries.of(new BigDecimal("1.5"), BigDecimal.ONE), times()).as(DecimalSum::new),
                Combinators.combine(Arbitraries.of(true, false), numbers(), times()).as(Extremum::new),
                Combinators.combine(values(), times(), ties(), Arbitraries.integers().between(1, 3))
                        .as(RecentValues::of),
                Combinators.combine(values(), times(), Arbitraries.integers().between(1, 3)).as(CappedSet::of),
                Combinators.combine(Arbitraries.of(1.0, -2.5), times(), Arbitraries.of(1L, 10L))
                        .as(DecayingScore::of),
                Combinators.combine(times(), Arbitraries.of(2L, 3L)).as((t, w) -> WindowedCount.of(t, w, 1)),
                Combinators.combine(values(), times(), Arbitraries.integers().between(1, 2))
                        .as((v, t, n) -> TopValues.of(v, t, n, 4)));
    }
}
