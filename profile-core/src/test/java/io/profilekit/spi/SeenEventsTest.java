package io.profilekit.spi;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The recent-event-id set against a model (a sorted set that keeps the newest {@code capacity}
 * ids): through chains of versions, each built from the last, with builders that branch off a
 * version and must not disturb it, every version reads, compares, hashes and encodes like a set
 * built in one go from the model's ids.
 */
class SeenEventsTest {
    private record Id(long time, long hash) {
    }

    private static final Comparator<Id> ORDER = Comparator.comparingLong(Id::time).thenComparingLong(Id::hash);

    /** Ids added by one builder; {@code capacity} 0 keeps the run's capacity, another changes it (a redeploy). */
    private record Batch(List<Id> adds, boolean branch, int capacity) {
    }

    @Property(tries = 400)
    void versionsBehaveLikeTheModel(@ForAll @IntRange(min = 1, max = 40) int initialCapacity,
                                    @ForAll("batches") List<Batch> batches) {
        int capacity = initialCapacity;
        TreeSet<Id> model = new TreeSet<>(ORDER);
        SeenEvents version = SeenEvents.empty();
        for (Batch batch : batches) {
            SeenEvents before = version;
            SeenEvents beforeCopy = copy(before);
            if (batch.capacity() > 0) {
                capacity = batch.capacity();
            }
            SeenEvents.Builder b = version.toBuilder(capacity);
            while (model.size() > capacity) {
                model.pollFirst();
            }
            for (Id id : batch.adds()) {
                boolean expected = !model.contains(id);
                assertThat(b.covers(id.time(), id.hash()))
                        .isEqualTo(model.size() < capacity || ORDER.compare(id, model.first()) >= 0);
                assertThat(b.contains(id.time(), id.hash())).isEqualTo(model.contains(id));
                assertThat(b.add(id.time(), id.hash())).as("add %s", id).isEqualTo(expected);
                if (expected) {
                    model.add(id);
                    if (model.size() > capacity) {
                        model.pollFirst();
                    }
                }
            }
            if (batch.branch()) {
                // another builder from the same version, as a retried or concurrent write makes
                SeenEvents.Builder other = before.toBuilder(capacity);
                for (long t = 40; t < 40 + capacity; t++) {
                    other.add(t, 0);
                }
                other.add(-1, 0);
                assertThat(other.build().size()).isEqualTo(capacity);
            }
            version = b.build();
            assertThat(before).as("the version a builder started from is unchanged").isEqualTo(beforeCopy);
            assertMatches(version, model, capacity);
        }
    }

    private static SeenEvents copy(SeenEvents s) {
        long[] t = new long[s.size()];
        long[] h = new long[s.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = s.time(i);
            h[i] = s.hash(i);
        }
        return SeenEvents.of(t, h);
    }

    private static void assertMatches(SeenEvents s, TreeSet<Id> model, int capacity) {
        long[] t = new long[model.size()];
        long[] h = new long[model.size()];
        int i = 0;
        for (Id id : model) {
            t[i] = id.time();
            h[i++] = id.hash();
        }
        SeenEvents expected = SeenEvents.of(t, h);
        assertThat(s.size()).isEqualTo(model.size());
        for (int k = 0; k < t.length; k++) {
            assertThat(s.time(k)).isEqualTo(t[k]);
            assertThat(s.hash(k)).isEqualTo(h[k]);
        }
        assertThat(s).isEqualTo(expected);
        assertThat(expected).isEqualTo(s);
        assertThat(s.hashCode()).isEqualTo(expected.hashCode());
        for (long time = -1; time <= 31; time += 2) {
            for (long hash = -2; hash <= 2; hash++) {
                Id id = new Id(time, hash);
                assertThat(s.contains(time, hash)).isEqualTo(model.contains(id));
                assertThat(s.covers(time, hash, capacity))
                        .isEqualTo(model.size() < capacity || ORDER.compare(id, model.first()) >= 0);
            }
        }
        assertThat(ProfileStateCodec.encodeToString(state(s))).isEqualTo(ProfileStateCodec.encodeToString(state(expected)));
    }

    private static ProfileState state(SeenEvents s) {
        return new ProfileState("u", 1, Map.of(), ProfileState.NONE, s, Map.of(), ProfileState.NONE);
    }

    @Provide
    Arbitrary<List<Batch>> batches() {
        // mostly increasing times with jitter, as events arrive; hashes few, so that ids repeat
        Arbitrary<Id> id = Combinators.combine(Arbitraries.longs().between(0, 30), Arbitraries.longs().between(-2, 2))
                .as(Id::new);
        Arbitrary<Integer> capacity = Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just(0)),
                Tuple.of(1, Arbitraries.integers().between(1, 40)));
        return Combinators.combine(id.list().ofMaxSize(25), Arbitraries.of(true, false), capacity)
                .as(Batch::new).list().ofMinSize(1).ofMaxSize(16);
    }
}
