package io.profilekit;

import io.profilekit.internal.SortedAttributes;
import io.profilekit.op.Accumulator;
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
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileStateCodec;
import io.profilekit.spi.SeenEvents;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Folding a run of operations into an {@link Accumulator} (as the engine does while it applies a
 * batch to one profile, through {@link SortedAttributes.Builder#fold}) gives exactly what merging
 * them one by one gives: equal operations, encoded to the same bytes, also where merging is not
 * associative (counters at saturation, top-N past its capacity, lists whose capacity changed) and
 * when the run mixes in multi-event operations, other settings, other families, or starts from a
 * state no merge would leave. The builder may be read in the middle of a run.
 */
class AccumulatorPropertiesTest {

    // ---- folding equals merging one by one, one property per family ----

    @Property(tries = 300)
    void countersFoldLikeTheyMerge(@ForAll("counterRuns") List<Operation> ops,
                                   @ForAll @IntRange(max = 5) int readEvery) {
        assertFoldEqualsMerge(ops, readEvery);
    }

    @Property(tries = 300)
    void decimalSumsFoldLikeTheyMerge(@ForAll("sumRuns") List<Operation> ops,
                                      @ForAll @IntRange(max = 5) int readEvery) {
        assertFoldEqualsMerge(ops, readEvery);
    }

    @Property(tries = 300)
    void extremaFoldLikeTheyMerge(@ForAll("extremumRuns") List<Operation> ops,
                                  @ForAll @IntRange(max = 5) int readEvery) {
        assertFoldEqualsMerge(ops, readEvery);
    }

    @Property(tries = 300)
    void registersFoldLikeTheyMerge(@ForAll("registerRuns") List<Operation> ops,
                                    @ForAll @IntRange(max = 5) int readEvery) {
        assertFoldEqualsMerge(ops, readEvery);
    }

    @Property(tries = 500)
    void recentValuesFoldLikeTheyMerge(@ForAll("recentRuns") List<Operation> ops,
                                       @ForAll @IntRange(max = 5) int readEvery) {
        assertFoldEqualsMerge(ops, readEvery);
    }

    @Property(tries = 500)
    void cappedSetsFoldLikeTheyMerge(@ForAll("cappedSetRuns") List<Operation> ops,
                                     @ForAll @IntRange(max = 5) int readEvery) {
        assertFoldEqualsMerge(ops, readEvery);
    }

    @Property(tries = 500)
    void topValuesFoldLikeTheyMerge(@ForAll("topRuns") List<Operation> ops,
                                    @ForAll @IntRange(max = 5) int readEvery) {
        assertFoldEqualsMerge(ops, readEvery);
    }

    @Property(tries = 500)
    void decayingScoresFoldLikeTheyMerge(@ForAll("decayRuns") List<Operation> ops,
                                         @ForAll @IntRange(max = 5) int readEvery) {
        assertFoldEqualsMerge(ops, readEvery);
    }

    @Property(tries = 500)
    void windowedCountsFoldLikeTheyMerge(@ForAll("windowRuns") List<Operation> ops,
                                         @ForAll @IntRange(max = 5) int readEvery) {
        assertFoldEqualsMerge(ops, readEvery);
    }

    /** Buckets in order but holding some a merge would have dropped: the fold drops them as the merge does. */
    @Property(tries = 300)
    void untrimmedBucketsFoldLikeTheyMerge(@ForAll("untrimmedBucketRuns") List<Operation> ops,
                                           @ForAll @IntRange(max = 3) int readEvery) {
        assertFoldEqualsMerge(ops, readEvery);
    }

    /** The case above that moves most in place: three buckets dropped, one inserted before two kept ones. */
    @Example
    void aBucketInsertedWhileOthersAreDroppedLandsInPlace() {
        Operation start = new WindowedCount(4, 1, new long[] {0, 1, 2, 16, 19, 20},
                new long[] {1, 2, 3, 4, 5, 6}, 20);
        Accumulator acc = Accumulator.of(start);
        assertThat(acc.add(WindowedCount.of(17, 4, 1))).isTrue();
        assertThat(acc.result()).isEqualTo(start.merge(WindowedCount.of(17, 4, 1)))
                .isEqualTo(new WindowedCount(4, 1, new long[] {16, 17, 19, 20}, new long[] {4, 1, 5, 6}, 20));
    }

    /** Several attributes folded at once, inserted in any order, as a delta per event brings them. */
    @Property(tries = 200)
    void interleavedAttributesFoldLikeTheyMerge(@ForAll("namedRuns") List<Tuple.Tuple2<String, Operation>> run) {
        SortedAttributes.Builder merged = SortedAttributes.empty().toBuilder();
        SortedAttributes.Builder folded = SortedAttributes.empty().toBuilder();
        for (Tuple.Tuple2<String, Operation> t : run) {
            merged.merge(t.get1(), t.get2());
            folded.fold(t.get1(), t.get2());
        }
        SortedAttributes expected = merged.build();
        SortedAttributes actual = folded.build();
        assertThat(actual).isEqualTo(expected);
        assertThat(encode(actual)).isEqualTo(encode(expected));
    }

    // ---- the accumulators do fold (the properties above would also pass if they never did) ----

    /** A run of single-event operations with one family's settings is folded in place, every step. */
    @Property(tries = 300)
    void singleEventOperationsOfOneSettingAreAllFoldedInPlace(@ForAll("singleEventRuns") List<Operation> ops) {
        Accumulator acc = Accumulator.of(ops.get(0));
        assertThat(acc).as("accumulator of %s", ops.get(0)).isNotNull();
        Operation expected = ops.get(0);
        for (Operation op : ops.subList(1, ops.size())) {
            assertThat(acc.add(op)).as("folds %s", op).isTrue();
            expected = expected.merge(op);
        }
        assertThat(acc.result()).isEqualTo(expected);
    }

    /** Until something changes it, an accumulator hands back the operation it started from. */
    @Property(tries = 100)
    void anUnchangedAccumulatorGivesBackItsStart(@ForAll("singleEventRuns") List<Operation> ops) {
        Accumulator acc = Accumulator.of(ops.get(0));
        assertThat(acc.result()).isSameAs(ops.get(0));
        if (ops.size() > 1 && acc.add(ops.get(1))) {
            Operation first = acc.result();
            assertThat(acc.result()).isSameAs(first);
        }
    }

    // ---- checks ----

    private static void assertFoldEqualsMerge(List<Operation> ops, int readEvery) {
        SortedAttributes.Builder b = SortedAttributes.empty().toBuilder();
        b.merge("a", ops.get(0));
        Operation expected = ops.get(0);
        List<Operation> read = new ArrayList<>();
        List<Operation> readExpected = new ArrayList<>();
        for (int i = 1; i < ops.size(); i++) {
            b.fold("a", ops.get(i));
            expected = expected.merge(ops.get(i));
            if (readEvery > 0 && i % readEvery == 0) {
                Operation now = b.get("a");
                assertThat(now).as("read after %d", i).isEqualTo(expected);
                read.add(now);
                readExpected.add(expected);
            }
        }
        SortedAttributes actual = b.build();
        assertThat(actual.get("a")).isEqualTo(expected);
        // what was read in the middle did not change with what was folded in afterwards
        assertThat(read).isEqualTo(readExpected);
        assertThat(encode(actual)).isEqualTo(encode(SortedAttributes.copyOf(Map.of("a", expected))));
    }

    private static String encode(Map<String, Operation> attributes) {
        return ProfileStateCodec.encodeToString(new ProfileState("u", 1, attributes, ProfileState.NONE,
                SeenEvents.empty(), Map.of(), ProfileState.NONE));
    }

    // ---- generators ----

    private static Arbitrary<Long> times() {
        return Arbitraries.longs().between(0, 12);
    }

    private static Arbitrary<Long> ties() {
        return Arbitraries.longs().between(-1, 1);
    }

    /**
     * Runs of 1 to 60 operations: mostly single-event operations with one setting, and now and
     * then a multi-event operation (a merge of singles), a single of another setting, or an
     * operation of any family; the run may start from {@code odd}, a state no merge leaves.
     */
    private static <S> Arbitrary<List<Operation>> runs(Arbitrary<S> settings, Function<S, Arbitrary<Operation>> singles,
                                                      Arbitrary<Operation> odd) {
        return settings.flatMap(s -> settings.flatMap(other -> {
            Arbitrary<Operation> single = singles.apply(s);
            Arbitrary<Operation> multi = single.list().ofMinSize(2).ofMaxSize(4)
                    .map(l -> l.stream().reduce(Operation::merge).orElseThrow());
            Arbitrary<Operation> step = Arbitraries.frequencyOf(
                    Tuple.of(30, single), Tuple.of(2, multi), Tuple.of(2, singles.apply(other)),
                    Tuple.of(1, anyOperation()));
            Arbitrary<Operation> first = Arbitraries.frequencyOf(Tuple.of(3, single), Tuple.of(3, multi),
                    Tuple.of(1, odd));
            return Combinators.combine(first, step.list().ofMaxSize(59)).as((f, rest) -> {
                List<Operation> all = new ArrayList<>(rest.size() + 1);
                all.add(f);
                all.addAll(rest);
                return all;
            });
        }));
    }

    private static Arbitrary<Operation> counter() {
        return Combinators.combine(Arbitraries.oneOf(Arbitraries.longs().between(-3, 3),
                        Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE / 2 + 1)), times())
                .as(Counter::new);
    }

    @Provide
    Arbitrary<List<Operation>> counterRuns() {
        return runs(Arbitraries.just(0), s -> counter(), counter());
    }

    private static Arbitrary<Operation> decimalSum() {
        return Combinators.combine(Arbitraries.longs().between(-1000, 1000), Arbitraries.integers().between(0, 3),
                times()).as((u, scale, t) -> new DecimalSum(BigDecimal.valueOf(u, scale), t));
    }

    @Provide
    Arbitrary<List<Operation>> sumRuns() {
        return runs(Arbitraries.of(true, false), decimals -> decimals ? decimalSum() : counter(), decimalSum());
    }

    @Provide
    Arbitrary<List<Operation>> extremumRuns() {
        return runs(Arbitraries.of(true, false), max -> Combinators.combine(OperationPropertiesTest.numbers(), times())
                .as((n, t) -> new Extremum(max, n, t)), Arbitraries.just(new Extremum(true, 1, 3)));
    }

    @Provide
    Arbitrary<List<Operation>> registerRuns() {
        Arbitrary<Operation> last = Combinators.combine(OperationPropertiesTest.values(), Arbitraries.of(true, false),
                times(), ties()).as((v, present, t, tie) -> new LastWrite(present ? v : null, present, t, tie));
        Arbitrary<Operation> first = Combinators.combine(OperationPropertiesTest.values(), times(), ties())
                .as(FirstWrite::new);
        return runs(Arbitraries.of(true, false), isLast -> isLast ? last : first, last);
    }

    @Provide
    Arbitrary<List<Operation>> recentRuns() {
        Arbitrary<Operation> unsorted = Combinators.combine(OperationPropertiesTest.values(), times(), ties())
                .as(RecentValues.Entry::new).list().ofMaxSize(6)
                .flatMap(entries -> Arbitraries.integers().between(1, 4).map(cap -> new RecentValues(cap, entries)));
        return runs(Arbitraries.integers().between(1, 5), cap -> Combinators.combine(OperationPropertiesTest.values(),
                times(), ties()).as((v, t, tie) -> RecentValues.of(v, t, tie, cap)), unsorted);
    }

    @Provide
    Arbitrary<List<Operation>> cappedSetRuns() {
        Arbitrary<Operation> unsorted = Combinators.combine(OperationPropertiesTest.values(), times())
                .as(CappedSet.Member::new).list().ofMaxSize(6)
                .flatMap(members -> Arbitraries.integers().between(1, 4).map(cap -> new CappedSet(cap, members)));
        return runs(Arbitraries.integers().between(1, 5), cap -> Combinators.combine(OperationPropertiesTest.values(),
                times()).as((v, t) -> CappedSet.of(v, t, cap)), unsorted);
    }

    private record TopSettings(int n, int capacity) {
    }

    @Provide
    Arbitrary<List<Operation>> topRuns() {
        // a domain of values larger than most capacities: counts past the capacity get dropped
        Arbitrary<TopSettings> settings = Arbitraries.integers().between(1, 3)
                .flatMap(n -> Arbitraries.integers().between(n, 6).map(cap -> new TopSettings(n, cap)));
        Arbitrary<Operation> unsorted = Combinators.combine(OperationPropertiesTest.values(),
                        Arbitraries.longs().between(1, 4), times()).as(TopValues.Count::new).list().ofMaxSize(6)
                .map(counts -> new TopValues(1, 6, counts.stream()
                        .collect(java.util.stream.Collectors.toMap(TopValues.Count::value, c -> c, (a, b) -> a,
                                java.util.LinkedHashMap::new)).values().stream().toList()));
        return runs(settings, s -> Combinators.combine(OperationPropertiesTest.values(), times())
                .as((v, t) -> TopValues.of(v, t, s.n(), s.capacity())), unsorted);
    }

    @Provide
    Arbitrary<List<Operation>> decayRuns() {
        // out of order, or in order but holding buckets a merge would have dropped
        Arbitrary<Operation> unsorted = Arbitraries.of(new DecayingScore(10, new long[] {5, 3}, new long[] {1, 2}, 40),
                new DecayingScore(10, new long[] {0, 1, 2, 3, 9, 14}, new long[] {1, 2, 3, 4, 5, 6}, 1130));
        return runs(Arbitraries.of(1L, 10L), hl -> Combinators.combine(Arbitraries.integers().between(-3, 3),
                        Arbitraries.longs().between(-5, 1200))
                .as((amount, t) -> DecayingScore.of(amount, t, hl)), unsorted);
    }

    private record WindowSettings(long window, long bucket) {
    }

    @Provide
    Arbitrary<List<Operation>> windowRuns() {
        Arbitrary<WindowSettings> settings = Arbitraries.longs().between(1, 4).flatMap(bucket ->
                Arbitraries.longs().between(bucket, 4 * bucket + 3).map(w -> new WindowSettings(w, bucket)));
        // out of order, or in order but holding buckets a merge would have dropped
        Arbitrary<Operation> unsorted = Arbitraries.of(
                new WindowedCount(4, 1, new long[] {9, 2, 3}, new long[] {1, 1, 1}, 9),
                new WindowedCount(4, 1, new long[] {0, 1, 2, 9, 20}, new long[] {1, 2, 3, 4, 5}, 20),
                new WindowedCount(8, 2, new long[] {0, 1, 2, 9, 20}, new long[] {1, 2, 3, 4, 5}, 41));
        return runs(settings, s -> Arbitraries.longs().between(-5, 60)
                .map(t -> (Operation) WindowedCount.of(t, s.window(), s.bucket())), unsorted);
    }

    @Provide
    Arbitrary<List<Operation>> untrimmedBucketRuns() {
        Arbitrary<Operation> untrimmed = Arbitraries.of(
                new WindowedCount(4, 1, new long[] {0, 1, 2, 9, 20}, new long[] {1, 2, 3, 4, 5}, 20),
                new WindowedCount(4, 1, new long[] {0, 1, 2, 16, 19, 20}, new long[] {1, 2, 3, 4, 5, 6}, 20));
        Arbitrary<List<Operation>> windows = Combinators.combine(untrimmed, Arbitraries.longs().between(-2, 24)
                        .map(t -> (Operation) WindowedCount.of(t, 4, 1)).list().ofMaxSize(20))
                .as(AccumulatorPropertiesTest::prepend);
        Arbitrary<List<Operation>> scores = Arbitraries.longs().between(0, 1300)
                .map(t -> (Operation) DecayingScore.of(1.0, t, 10)).list().ofMaxSize(20)
                .map(rest -> prepend(new DecayingScore(10, new long[] {0, 1, 2, 3, 9, 14},
                        new long[] {1, 2, 3, 4, 5, 6}, 1130), rest));
        return Arbitraries.oneOf(windows, scores);
    }

    private static List<Operation> prepend(Operation first, List<Operation> rest) {
        List<Operation> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }

    /** Single-event operations of one family and one setting, as one attribute gets them from a reducer. */
    @Provide
    Arbitrary<List<Operation>> singleEventRuns() {
        Arbitrary<Arbitrary<Operation>> family = Arbitraries.of(
                counter().filter(c -> Math.abs(((Counter) c).value()) < 100),
                decimalSum(),
                Combinators.combine(OperationPropertiesTest.numbers(), times()).as((n, t) -> new Extremum(false, n, t)),
                Combinators.combine(OperationPropertiesTest.values(), times(), ties())
                        .as((v, t, tie) -> RecentValues.of(v, t, tie, 3)),
                Combinators.combine(OperationPropertiesTest.values(), times()).as((v, t) -> CappedSet.of(v, t, 3)),
                Combinators.combine(OperationPropertiesTest.values(), times()).as((v, t) -> TopValues.of(v, t, 2, 3)),
                Arbitraries.longs().between(0, 1200).map(t -> DecayingScore.of(1.0, t, 10)),
                Arbitraries.longs().between(0, 60).map(t -> WindowedCount.of(t, 10, 2)));
        return family.flatMap(f -> f.list().ofMinSize(1).ofMaxSize(40));
    }

    @Provide
    Arbitrary<List<Tuple.Tuple2<String, Operation>>> namedRuns() {
        return Combinators.combine(Arbitraries.of("a", "b", "c", "d", "e"), anyOperation()).as(Tuple::of)
                .list().ofMaxSize(60);
    }

    /** One operation of any family, with settings few enough that operations of one family meet. */
    private static Arbitrary<Operation> anyOperation() {
        return Arbitraries.oneOf(
                Combinators.combine(OperationPropertiesTest.values(), times(), ties())
                        .as((v, t, tie) -> (Operation) new LastWrite(v, true, t, tie)),
                counter(), decimalSum(),
                Combinators.combine(OperationPropertiesTest.numbers(), times()).as((n, t) -> new Extremum(true, n, t)),
                Combinators.combine(OperationPropertiesTest.values(), times(), ties(),
                        Arbitraries.integers().between(1, 3)).as(RecentValues::of),
                Combinators.combine(OperationPropertiesTest.values(), times(), Arbitraries.integers().between(1, 3))
                        .as(CappedSet::of),
                Combinators.combine(OperationPropertiesTest.values(), times()).as((v, t) -> TopValues.of(v, t, 1, 3)),
                times().map(t -> DecayingScore.of(1.0, t * 7, 10)),
                Combinators.combine(times(), Arbitraries.of(2L, 3L)).as((t, w) -> WindowedCount.of(t * 3, w, 1)));
    }
}
