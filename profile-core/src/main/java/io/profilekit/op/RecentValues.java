package io.profilekit.op;

import io.profilekit.internal.FrozenArray;
import io.profilekit.internal.ValueOrder;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * {@code recent}: the {@code capacity} most recent values by event time, newest first. A value
 * added twice by the same event is held once; the same value from two events is held twice.
 *
 * <p>When the capacity changes between deployments, the capacity of the operand updated last wins.
 *
 * @param capacity the bound, at least 1
 * @param entries  newest first, never more than {@code capacity}
 */
public record RecentValues(int capacity, List<Entry> entries) implements Operation {

    /** One value with the event time and event id hash that added it. */
    public record Entry(Object value, long time, long tie) {
    }

    /** Newest first; ties broken by event id hash, then value: a total order. */
    static final Comparator<Entry> NEWEST_FIRST = (a, b) -> {
        int c = Long.compare(b.time, a.time);
        if (c == 0) {
            c = Long.compare(b.tie, a.tie);
        }
        return c != 0 ? c : ValueOrder.INSTANCE.compare(b.value, a.value);
    };

    public RecentValues {
        if (capacity < 1) {
            throw new IllegalArgumentException("recent capacity must be at least 1, got " + capacity);
        }
        entries = FrozenArray.copyOf(Objects.requireNonNull(entries, "entries"));
    }

    /** A delta adding one value. */
    public static RecentValues of(Object value, long time, long tie, int capacity) {
        return new RecentValues(capacity, FrozenArray.adopt(new Object[] {new Entry(value, time, tie)}, 1));
    }

    @Override
    public long updatedAt() {
        return entries.isEmpty() ? Long.MIN_VALUE : entries.get(0).time;
    }

    @Override
    public Operation merge(Operation other) {
        if (!(other instanceof RecentValues o)) {
            return Operation.newerOf(this, other);
        }
        int cap = updatedAt() != o.updatedAt() ? (updatedAt() > o.updatedAt() ? capacity : o.capacity)
                : Math.max(capacity, o.capacity);
        if (o.entries.size() == 1 && cap == capacity) {
            return insert(o.entries.get(0));
        }
        if (entries.size() == 1 && cap == o.capacity) {
            return o.insert(entries.get(0));
        }
        List<Entry> merged = new ArrayList<>(Math.min(cap, entries.size() + o.entries.size()));
        int i = 0;
        int j = 0;
        while (merged.size() < cap && (i < entries.size() || j < o.entries.size())) {
            Entry next;
            if (j >= o.entries.size()) {
                next = entries.get(i++);
            } else if (i >= entries.size()) {
                next = o.entries.get(j++);
            } else {
                int c = NEWEST_FIRST.compare(entries.get(i), o.entries.get(j));
                if (c == 0) {
                    j++; // the same entry on both sides: keep one
                }
                next = c <= 0 ? entries.get(i++) : o.entries.get(j++);
            }
            if (merged.isEmpty() || NEWEST_FIRST.compare(merged.get(merged.size() - 1), next) != 0) {
                merged.add(next);
            }
        }
        return new RecentValues(cap, merged);
    }

    /** This list with one more entry, without a general merge: the common case of one event. */
    private RecentValues insert(Entry e) {
        int n = entries.size();
        int at = 0;
        while (at < n) {
            int c = NEWEST_FIRST.compare(e, entries.get(at));
            if (c == 0) {
                return this;
            }
            if (c < 0) {
                break;
            }
            at++;
        }
        if (at >= capacity) {
            return this;
        }
        Entry[] out = new Entry[Math.min(capacity, n + 1)];
        for (int i = 0, k = 0; k < out.length; k++) {
            out[k] = k == at ? e : entries.get(i++);
        }
        return new RecentValues(capacity, FrozenArray.adopt(out, out.length));
    }

    /**
     * Inserts one-entry deltas of the same capacity into a mutable copy of the list, exactly as
     * {@link #merge} does through {@code insert}; anything else is left to the immutable merge.
     * A result hands the array over when it is exactly full, and the next change copies it. Not
     * thread-safe.
     */
    static final class Folder extends Accumulator {
        private final int capacity;
        private final CappedRun<Entry> entries;
        private RecentValues frozen;

        Folder(RecentValues start) {
            capacity = start.capacity;
            int size = start.entries.size();
            // as long as one more entry makes it: most often the list is full and stays so
            entries = new CappedRun<>(start.entries, capacity, Math.min(capacity, size + 1));
            frozen = start;
        }

        @Override
        public boolean add(Operation op) {
            if (!(op instanceof RecentValues o) || o.entries.size() != 1) {
                return false;
            }
            int size = entries.size();
            long updatedAt = size == 0 ? Long.MIN_VALUE : entries.get(0).time;
            long otherUpdatedAt = o.updatedAt();
            int cap = updatedAt != otherUpdatedAt ? (updatedAt > otherUpdatedAt ? capacity : o.capacity)
                    : Math.max(capacity, o.capacity);
            if (cap != capacity) {
                return false;
            }
            Entry e = o.entries.get(0);
            int at = 0;
            while (at < size) {
                int c = NEWEST_FIRST.compare(e, entries.get(at));
                if (c == 0) {
                    return true;
                }
                if (c < 0) {
                    break;
                }
                at++;
            }
            if (at >= capacity) {
                return true;
            }
            int length = Math.min(capacity, size + 1);
            entries.makeRoom(length);
            entries.insert(at, e, length);
            frozen = null;
            return true;
        }

        @Override
        public Operation result() {
            if (frozen == null) {
                frozen = new RecentValues(capacity, entries.freeze());
            }
            return frozen;
        }
    }

    @Override
    public Object read(long nowMillis) {
        List<Object> values = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            values.add(e.value);
        }
        return List.copyOf(values);
    }

    @Override
    public String kind() {
        return "recent";
    }
}
