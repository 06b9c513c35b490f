package io.profilekit.internal;

import io.profilekit.op.Counter;
import io.profilekit.op.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A builder started from a map (sharing its names until it adds one) merges like a sorted map,
 * and leaves the map it started from as it was, through any number of builders and versions.
 */
class SortedAttributesTest {

    @Property(tries = 300)
    void buildersMergeLikeASortedMapAndLeaveTheirStartAlone(
            @ForAll("attributes") Map<String, Operation> start,
            @ForAll("runs") List<List<Tuple2<String, Operation>>> batches,
            @ForAll boolean fold) {
        SortedAttributes version = SortedAttributes.copyOf(start);
        TreeMap<String, Operation> expected = new TreeMap<>(start);
        assertThat(version).isEqualTo(expected);
        for (List<Tuple2<String, Operation>> batch : batches) {
            SortedAttributes before = version;
            Map<String, Operation> beforeCopy = new HashMap<>(before);
            // two builders from one version: neither sees what the other adds
            SortedAttributes.Builder other = before.toBuilder();
            other.merge("zz-other", new Counter(1, 0));
            SortedAttributes.Builder b = before.toBuilder();
            for (Tuple2<String, Operation> t : batch) {
                if (fold) {
                    b.fold(t.get1(), t.get2());
                } else {
                    b.merge(t.get1(), t.get2());
                }
                expected.merge(t.get1(), t.get2(), Operation::merge);
                assertThat(b.get(t.get1())).isEqualTo(expected.get(t.get1()));
            }
            version = b.build();
            assertThat(other.build()).containsKey("zz-other").hasSize(beforeCopy.size() + 1);
            assertThat(before).as("the start is unchanged").isEqualTo(beforeCopy);
            assertThat(version).isEqualTo(expected);
            assertThat(version.keySet()).containsExactlyElementsOf(expected.keySet());
        }
    }

    private static Arbitrary<Tuple2<String, Operation>> named() {
        return Combinators.combine(Arbitraries.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"),
                Arbitraries.longs().between(-3, 3), Arbitraries.longs().between(0, 9))
                .as((name, v, t) -> Tuple.of(name, new Counter(v, t)));
    }

    @Provide
    Arbitrary<Map<String, Operation>> attributes() {
        return named().list().ofMaxSize(8).map(l -> {
            Map<String, Operation> m = new HashMap<>();
            l.forEach(t -> m.merge(t.get1(), t.get2(), Operation::merge));
            return m;
        });
    }

    @Provide
    Arbitrary<List<List<Tuple2<String, Operation>>>> runs() {
        return named().list().ofMaxSize(12).list().ofMinSize(1).ofMaxSize(4);
    }

    /** Profiles with the same attributes, built apart and in any order, hold one names array. */
    @Test
    void profilesWithTheSameAttributesShareTheirNames() {
        SortedAttributes.Builder a = SortedAttributes.empty().toBuilder();
        a.merge("shared-x", new Counter(1, 0));
        a.merge("shared-y", new Counter(1, 0));
        SortedAttributes.Builder b = SortedAttributes.copyOf(Map.of("shared-y", new Counter(2, 0))).toBuilder();
        b.merge("shared-x", new Counter(3, 0));
        SortedAttributes first = a.build();
        SortedAttributes second = b.build();
        assertThat(first.sharesNamesWith(second)).isTrue();
        assertThat(second).isEqualTo(Map.of("shared-x", new Counter(3, 0), "shared-y", new Counter(2, 0)));
        // a later version adding a name leaves the shared array alone
        SortedAttributes.Builder c = first.toBuilder();
        c.merge("shared-a", new Counter(1, 0));
        assertThat(c.build().keySet()).containsExactly("shared-a", "shared-x", "shared-y");
        assertThat(second.keySet()).containsExactly("shared-x", "shared-y");
        assertThat(first.sharesNamesWith(second)).isTrue();
    }
}
