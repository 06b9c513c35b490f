package io.profilekit.op;

import io.profilekit.internal.FrozenArray;
import io.profilekit.internal.ValueOrder;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code topN}: the most frequent values. Holds exact counts for up to {@code capacity} distinct
 * values (by default four times {@code n}); past that it keeps the most frequent, ties broken by
 * value. Results are exact and order independent while a user has at most {@code capacity}
 * distinct values; beyond it, the counts of rarely seen values are approximate, as with any bounded
 * frequent-items summary.
 *
 * @param n        how many values a read returns
 * @param capacity how many counters are kept, at least {@code n}
 * @param counts   most frequent first
 */
public record TopValues(int n, int capacity, List<Count> counts) implements Operation {

    /** A value and how many times it was seen. */
    public record Count(Object value, long count, long lastSeen) {
    }

    static final Comparator<Count> ORDER = (a, b) -> {
        int c = Long.compare(b.count, a.count);
        return c != 0 ? c : ValueOrder.INSTANCE.compare(a.value, b.value);
    };

    public TopValues {
        if (n < 1 || capacity < n) {
            throw new IllegalArgumentException("topN needs 1 <= n <= capacity, got n=" + n + ", capacity=" + capacity);
        }
        counts = FrozenArray.copyOf(Objects.requireNonNull(counts, "counts"));
    }

    /** A delta counting one value. */
    public static TopValues of(Object value, long time, int n, int capacity) {
        return new TopValues(n, capacity, FrozenArray.adopt(new Object[] {new Count(value, 1, time)}, 1));
    }

    @Override
    public long updatedAt() {
        long max = Long.MIN_VALUE;
        for (Count c : counts) {
            max = Math.max(max, c.lastSeen);
        }
        return max;
    }

    @Override
    public Operation merge(Operation other) {
        if (!(other instanceof TopValues o) || o.n != n || o.capacity != capacity) {
            return Operation.newerOf(this, other);
        }
        if (o.counts.size() == 1) {
            return add(o.counts.get(0));
        }
        if (counts.size() == 1) {
            return o.add(counts.get(0));
        }
        Map<Object, Count> sum = new HashMap<>((counts.size() + o.counts.size()) * 2);
        for (Count c : counts) {
            sum.put(c.value, c);
        }
        for (Count c : o.counts) {
            sum.merge(c.value, c, (x, y) -> new Count(x.value, Counter.saturatedAdd(x.count, y.count),
                    Math.max(x.lastSeen, y.lastSeen)));
        }
        List<Count> merged = new ArrayList<>(sum.values());
        merged.sort(ORDER);
        return new TopValues(n, capacity, merged.size() > capacity ? merged.subList(0, capacity) : merged);
    }

    /** These counts with one more counted value, without a general merge: the common case of one event. */
    private TopValues add(Count c) {
        int size = counts.size();
        int found = -1;
        for (int i = 0; i < size; i++) {
            if (counts.get(i).value.equals(c.value)) {
                found = i;
                break;
            }
        }
        Count updated = found < 0 ? c : new Count(c.value, Counter.saturatedAdd(counts.get(found).count, c.count),
                Math.max(counts.get(found).lastSeen, c.lastSeen));
        int length = Math.min(capacity, found < 0 ? size + 1 : size);
        Object[] out = new Object[length];
        int k = 0;
        boolean placed = false;
        for (int i = 0; i < size && k < length; i++) {
            if (i == found) {
                continue;
            }
            Count c2 = counts.get(i);
            if (!placed && ORDER.compare(c2, updated) >= 0) {
                out[k++] = updated;
                placed = true;
                if (k == length) {
                    break;
                }
            }
            out[k++] = c2;
        }
        if (!placed && k < length) {
            out[k++] = updated;
        }
        return new TopValues(n, capacity, FrozenArray.adopt(out, k));
    }

    /**
     * Counts one-value deltas of the same settings into a mutable copy of the counts, exactly as
     * {@link #merge} does through {@code add} (including what it drops past the capacity); anything
     * else is left to the immutable merge. A result hands the array over when it is exactly full,
     * and the next change copies it. Not thread-safe.
     */
    static final class Folder extends Accumulator {
        private final int n;
        private final int capacity;
        private final CappedRun<Count> counts;
        private TopValues frozen;

        Folder(TopValues start) {
            n = start.n;
            capacity = start.capacity;
            // exactly long enough: a value counted again (the usual case) does not add one
            counts = new CappedRun<>(start.counts, capacity, start.counts.size());
            frozen = start;
        }

        @Override
        public boolean add(Operation op) {
            if (!(op instanceof TopValues o) || o.n != n || o.capacity != capacity || o.counts.size() != 1) {
                return false;
            }
            Count c = o.counts.get(0);
            int size = counts.size();
            int found = -1;
            for (int i = 0; i < size; i++) {
                if (counts.get(i).value.equals(c.value)) {
                    found = i;
                    break;
                }
            }
            Count updated = found < 0 ? c : new Count(c.value, Counter.saturatedAdd(counts.get(found).count, c.count),
                    Math.max(counts.get(found).lastSeen, c.lastSeen));
            int length = Math.min(capacity, found < 0 ? size + 1 : size);
            counts.makeRoom(length);
            if (found >= 0) {
                counts.remove(found);
            }
            // the others in their order, the updated count before the first that does not sort before it
            counts.insert(counts.firstNotBefore(updated, ORDER), updated, length);
            frozen = null;
            return true;
        }

        @Override
        public Operation result() {
            if (frozen == null) {
                frozen = new TopValues(n, capacity, counts.freeze());
            }
            return frozen;
        }
    }

    @Override
    public Object read(long nowMillis) {
        List<Object> values = new ArrayList<>(Math.min(n, counts.size()));
        for (int i = 0; i < counts.size() && i < n; i++) {
            values.add(counts.get(i).value);
        }
        return List.copyOf(values);
    }

    @Override
    public String kind() {
        return "topN";
    }
}
