package io.profilekit.spi;

import java.util.Arrays;

/**
 * The ids of a profile's most recent events, kept with the profile to drop resent events. Holds a
 * 64-bit hash of each id with its event time, sorted by (time, hash), and keeps at most a given
 * number: the newest by event time, so the set is the same whatever the arrival order. Immutable.
 */
public final class SeenEvents {
    private static final SeenEvents EMPTY = new SeenEvents(new long[0], new long[0]);

    private final long[] times;
    private final long[] hashes;

    private SeenEvents(long[] times, long[] hashes) {
        this.times = times;
        this.hashes = hashes;
    }

    public static SeenEvents empty() {
        return EMPTY;
    }

    /**
     * Rebuilds the set from stored arrays, sorted by (time, hash) ascending.
     *
     * @throws IllegalArgumentException when the arrays differ in length or are not sorted
     */
    public static SeenEvents of(long[] times, long[] hashes) {
        return adopt(times.clone(), hashes.clone());
    }

    /** {@link #of} without copying: the caller gives the arrays up. */
    static SeenEvents adopt(long[] times, long[] hashes) {
        if (times.length != hashes.length) {
            throw new IllegalArgumentException("seen events: " + times.length + " times but " + hashes.length + " hashes");
        }
        for (int i = 1; i < times.length; i++) {
            if (compare(times[i - 1], hashes[i - 1], times[i], hashes[i]) >= 0) {
                throw new IllegalArgumentException("seen events are not sorted at index " + i);
            }
        }
        return times.length == 0 ? EMPTY : new SeenEvents(times, hashes);
    }

    public int size() {
        return times.length;
    }

    public long time(int i) {
        return times[i];
    }

    public long hash(int i) {
        return hashes[i];
    }

    /** Whether an event with this time and id hash is in the set. */
    public boolean contains(long time, long hash) {
        return indexOf(times, hashes, times.length, time, hash) >= 0;
    }

    /**
     * Whether an event this old can be checked against the set: false when the set is full and the
     * event is older than everything it holds (it could have been seen and dropped).
     */
    public boolean covers(long time, long hash, int capacity) {
        return times.length < capacity || compare(time, hash, times[0], hashes[0]) >= 0;
    }

    /** A mutable copy, for adding many ids at once. */
    public Builder toBuilder(int capacity) {
        return new Builder(this, capacity);
    }

    static int compare(long t1, long h1, long t2, long h2) {
        int c = Long.compare(t1, t2);
        return c != 0 ? c : Long.compare(h1, h2);
    }

    static int indexOf(long[] times, long[] hashes, int size, long time, long hash) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = compare(times[mid], hashes[mid], time, hash);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SeenEvents s && Arrays.equals(s.times, times) && Arrays.equals(s.hashes, hashes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(times) * 31 + Arrays.hashCode(hashes);
    }

    @Override
    public String toString() {
        return "SeenEvents[" + times.length + "]";
    }

    /** Adds ids to a copy of a {@link SeenEvents}, keeping the newest {@code capacity}. Not thread-safe. */
    public static final class Builder {
        private long[] times;
        private long[] hashes;
        private int size;
        private final int capacity;

        Builder(SeenEvents from, int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("seen-events capacity must be at least 1, got " + capacity);
            }
            this.capacity = capacity;
            int n = from.times.length;
            int keep = Math.min(n, capacity);
            // room for one more id: a batch usually adds one, and then build() needs no copy
            int length = Math.min(capacity, keep + 1);
            this.times = new long[length];
            this.hashes = new long[length];
            System.arraycopy(from.times, n - keep, times, 0, keep);
            System.arraycopy(from.hashes, n - keep, hashes, 0, keep);
            this.size = keep;
        }

        public boolean contains(long time, long hash) {
            return indexOf(times, hashes, size, time, hash) >= 0;
        }

        /** See {@link SeenEvents#covers}. */
        public boolean covers(long time, long hash) {
            return size < capacity || compare(time, hash, times[0], hashes[0]) >= 0;
        }

        /** Adds an id, dropping the oldest when full; returns false when it was already there. */
        public boolean add(long time, long hash) {
            int i = size > 0 && compare(times[size - 1], hashes[size - 1], time, hash) < 0 ? -(size + 1)
                    : indexOf(times, hashes, size, time, hash);
            if (i >= 0) {
                return false;
            }
            int at = -(i + 1);
            if (size == capacity) {
                if (at == 0) {
                    return true; // older than everything kept: it would be dropped at once
                }
                // drop the oldest (index 0), shift the older part left, insert at at - 1
                System.arraycopy(times, 1, times, 0, at - 1);
                System.arraycopy(hashes, 1, hashes, 0, at - 1);
                times[at - 1] = time;
                hashes[at - 1] = hash;
                return true;
            }
            if (size == times.length) {
                int grown = Math.min(capacity, size * 2 + 1);
                times = Arrays.copyOf(times, grown);
                hashes = Arrays.copyOf(hashes, grown);
            }
            System.arraycopy(times, at, times, at + 1, size - at);
            System.arraycopy(hashes, at, hashes, at + 1, size - at);
            times[at] = time;
            hashes[at] = hash;
            size++;
            return true;
        }

        /** The set; the builder must not be used afterwards. */
        public SeenEvents build() {
            if (size == 0) {
                return EMPTY;
            }
            SeenEvents out = size == times.length ? new SeenEvents(times, hashes)
                    : new SeenEvents(Arrays.copyOf(times, size), Arrays.copyOf(hashes, size));
            times = null;
            hashes = null;
            return out;
        }
    }
}
