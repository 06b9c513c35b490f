package io.profilekit.spi;

import java.util.Arrays;
import java.util.Objects;

/**
 * The ids of a profile's most recent events, kept with the profile to drop resent events. Holds a
 * 64-bit hash of each id with its event time, sorted by (time, hash), and keeps at most a given
 * number: the newest by event time, so the set is the same whatever the arrival order. Immutable
 * and thread-safe.
 *
 * <p>Held in two sorted parts, so that the next version of a profile need not copy the whole set:
 * a base, a window of arrays that consecutive versions share and never write, and a few ids added
 * since (at most about the square root of the capacity), which each version copies. Reads by
 * position ({@link #time}, {@link #hash}) see the two parts merged.
 */
public final class SeenEvents {
    private static final long[] NONE = new long[0];
    private static final SeenEvents EMPTY = new SeenEvents(NONE, NONE, 0, 0, NONE, NONE);

    /** The base: {@code baseSize} ids from {@code from}; the arrays may be shared, never written. */
    private final long[] baseTimes;
    private final long[] baseHashes;
    private final int from;
    private final int baseSize;
    /** Ids added since the base was made, this version's own arrays, exactly sized. */
    private final long[] recentTimes;
    private final long[] recentHashes;
    /** Both parts merged, made on the first read by position when there are recent ids. */
    private Merged merged;

    /** The merged ids; final fields, so a racing reader sees them whole. */
    private record Merged(long[] times, long[] hashes) {
    }

    private SeenEvents(long[] baseTimes, long[] baseHashes, int from, int baseSize, long[] recentTimes,
                       long[] recentHashes) {
        this.baseTimes = baseTimes;
        this.baseHashes = baseHashes;
        this.from = from;
        this.baseSize = baseSize;
        this.recentTimes = recentTimes;
        this.recentHashes = recentHashes;
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
        return times.length == 0 ? EMPTY : new SeenEvents(times, hashes, 0, times.length, NONE, NONE);
    }

    public int size() {
        return baseSize + recentTimes.length;
    }

    /** The event time of the {@code i}-th id in (time, hash) order. */
    public long time(int i) {
        if (recentTimes.length == 0) {
            return baseTimes[from + Objects.checkIndex(i, baseSize)];
        }
        return merged().times[i];
    }

    /** The hash of the {@code i}-th id in (time, hash) order. */
    public long hash(int i) {
        if (recentTimes.length == 0) {
            return baseHashes[from + Objects.checkIndex(i, baseSize)];
        }
        return merged().hashes[i];
    }

    private Merged merged() {
        Merged m = merged;
        if (m == null) {
            long[] t = new long[size()];
            long[] h = new long[t.length];
            mergeInto(baseTimes, baseHashes, from, baseSize, recentTimes, recentHashes, recentTimes.length, t, h);
            m = new Merged(t, h);
            merged = m;
        }
        return m;
    }

    /** Merges two sorted, disjoint runs into {@code t} and {@code h}. */
    static void mergeInto(long[] bt, long[] bh, int from, int bn, long[] rt, long[] rh, int rn, long[] t, long[] h) {
        int i = from;
        int end = from + bn;
        int j = 0;
        for (int k = 0; k < bn + rn; k++) {
            if (j >= rn || (i < end && compare(bt[i], bh[i], rt[j], rh[j]) < 0)) {
                t[k] = bt[i];
                h[k] = bh[i++];
            } else {
                t[k] = rt[j];
                h[k] = rh[j++];
            }
        }
    }

    /** Whether an event with this time and id hash is in the set. */
    public boolean contains(long time, long hash) {
        return indexOf(baseTimes, baseHashes, from, baseSize, time, hash) >= 0
                || indexOf(recentTimes, recentHashes, 0, recentTimes.length, time, hash) >= 0;
    }

    /**
     * Whether an event this old can be checked against the set: false when the set is full and the
     * event is older than everything it holds (it could have been seen and dropped).
     */
    public boolean covers(long time, long hash, int capacity) {
        return size() < capacity || !olderThanAll(time, hash, baseTimes, baseHashes, from, baseSize,
                recentTimes, recentHashes, recentTimes.length);
    }

    /** Whether (time, hash) sorts before every id of a non-empty set held in two parts. */
    static boolean olderThanAll(long time, long hash, long[] bt, long[] bh, int from, int bn, long[] rt, long[] rh,
                                int rn) {
        return (bn == 0 || compare(time, hash, bt[from], bh[from]) < 0)
                && (rn == 0 || compare(time, hash, rt[0], rh[0]) < 0);
    }

    /** A mutable copy, for adding many ids at once. */
    public Builder toBuilder(int capacity) {
        return new Builder(this, capacity);
    }

    static int compare(long t1, long h1, long t2, long h2) {
        int c = Long.compare(t1, t2);
        return c != 0 ? c : Long.compare(h1, h2);
    }

    /**
     * Binary search in {@code [from, from + size)}; the index relative to {@code from}, or
     * -(insertion point + 1). An id newer than the last, the usual case, costs one comparison (and
     * one cache line of a set that has gone cold since the user's last event).
     */
    static int indexOf(long[] times, long[] hashes, int from, int size, long time, long hash) {
        if (size == 0 || compare(times[from + size - 1], hashes[from + size - 1], time, hash) < 0) {
            return -(size + 1);
        }
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = compare(times[from + mid], hashes[from + mid], time, hash);
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
        if (o == this) {
            return true;
        }
        if (!(o instanceof SeenEvents s) || s.size() != size()) {
            return false;
        }
        for (int i = 0, n = size(); i < n; i++) {
            if (s.time(i) != time(i) || s.hash(i) != hash(i)) {
                return false;
            }
        }
        return true;
    }

    /** As {@code Arrays.hashCode(times) * 31 + Arrays.hashCode(hashes)} over the ids in order. */
    @Override
    public int hashCode() {
        int t = 1;
        int h = 1;
        for (int i = 0, n = size(); i < n; i++) {
            t = 31 * t + Long.hashCode(time(i));
            h = 31 * h + Long.hashCode(hash(i));
        }
        return t * 31 + h;
    }

    @Override
    public String toString() {
        return "SeenEvents[" + size() + "]";
    }

    /**
     * Adds ids to a copy of a {@link SeenEvents}, keeping the newest {@code capacity}. Not
     * thread-safe.
     *
     * <p>It starts sharing the set's base and adds to a copy of its few recent ids; once these
     * reach {@link #recentLimit} (a hot user's batch), it copies the whole set into arrays of its
     * own and adds in place from then on, so a batch copies the set at most once.
     */
    public static final class Builder {
        private final int capacity;
        private final int recentLimit;
        private long[] baseTimes;
        private long[] baseHashes;
        private int from;
        private int baseSize;
        /** Whether the base arrays are this builder's (then there are no recent ids). */
        private boolean ownBase;
        private long[] recentTimes;
        private long[] recentHashes;
        private int recentSize;

        Builder(SeenEvents s, int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("seen-events capacity must be at least 1, got " + capacity);
            }
            this.capacity = capacity;
            this.recentLimit = Math.max(4, (int) Math.sqrt(capacity));
            this.baseTimes = s.baseTimes;
            this.baseHashes = s.baseHashes;
            this.from = s.from;
            this.baseSize = s.baseSize;
            this.recentSize = s.recentTimes.length;
            // room for one more id (a batch usually adds one), unless that makes too many
            this.recentTimes = Arrays.copyOf(s.recentTimes,
                    Math.max(recentSize, Math.min(recentLimit, recentSize + 1)));
            this.recentHashes = Arrays.copyOf(s.recentHashes, recentTimes.length);
            while (baseSize + recentSize > capacity) {
                dropOldest();
            }
        }

        public boolean contains(long time, long hash) {
            return indexOf(baseTimes, baseHashes, from, baseSize, time, hash) >= 0
                    || indexOf(recentTimes, recentHashes, 0, recentSize, time, hash) >= 0;
        }

        /** See {@link SeenEvents#covers}. */
        public boolean covers(long time, long hash) {
            return baseSize + recentSize < capacity || !olderThanAll(time, hash, baseTimes, baseHashes, from, baseSize,
                    recentTimes, recentHashes, recentSize);
        }

        /** Adds an id, dropping the oldest when full; returns false when it was already there. */
        public boolean add(long time, long hash) {
            if (ownBase) {
                return addToBase(time, hash);
            }
            int i = indexOf(recentTimes, recentHashes, 0, recentSize, time, hash);
            if (i >= 0 || indexOf(baseTimes, baseHashes, from, baseSize, time, hash) >= 0) {
                return false;
            }
            if (baseSize + recentSize == capacity) {
                if (olderThanAll(time, hash, baseTimes, baseHashes, from, baseSize, recentTimes, recentHashes,
                        recentSize)) {
                    return true; // older than everything kept: it would be dropped at once
                }
                if (dropOldest()) {
                    i = indexOf(recentTimes, recentHashes, 0, recentSize, time, hash);
                }
            }
            if (recentSize >= recentLimit) {
                ownBase();
                return addToBase(time, hash);
            }
            int at = -(i + 1);
            if (recentSize == recentTimes.length) {
                recentTimes = Arrays.copyOf(recentTimes, Math.min(recentLimit, recentSize * 2 + 1));
                recentHashes = Arrays.copyOf(recentHashes, recentTimes.length);
            }
            System.arraycopy(recentTimes, at, recentTimes, at + 1, recentSize - at);
            System.arraycopy(recentHashes, at, recentHashes, at + 1, recentSize - at);
            recentTimes[at] = time;
            recentHashes[at] = hash;
            recentSize++;
            return true;
        }

        /** Drops the oldest id of a shared base and recent ids; returns whether it was a recent one. */
        private boolean dropOldest() {
            if (baseSize > 0 && (recentSize == 0
                    || compare(baseTimes[from], baseHashes[from], recentTimes[0], recentHashes[0]) < 0)) {
                from++;
                baseSize--;
                return false;
            }
            System.arraycopy(recentTimes, 1, recentTimes, 0, recentSize - 1);
            System.arraycopy(recentHashes, 1, recentHashes, 0, recentSize - 1);
            recentSize--;
            return true;
        }

        /** Merges base and recent ids into arrays of this builder's own, with room for one more. */
        private void ownBase() {
            int n = baseSize + recentSize;
            long[] t = new long[Math.min(capacity, n + 1)];
            long[] h = new long[t.length];
            mergeInto(baseTimes, baseHashes, from, baseSize, recentTimes, recentHashes, recentSize, t, h);
            baseTimes = t;
            baseHashes = h;
            from = 0;
            baseSize = n;
            recentTimes = NONE;
            recentHashes = NONE;
            recentSize = 0;
            ownBase = true;
        }

        /** {@link #add} on arrays of the builder's own, from index 0. */
        private boolean addToBase(long time, long hash) {
            int size = baseSize;
            long[] times = baseTimes;
            long[] hashes = baseHashes;
            int i = indexOf(times, hashes, 0, size, time, hash);
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
                baseTimes = times = Arrays.copyOf(times, grown);
                baseHashes = hashes = Arrays.copyOf(hashes, grown);
            }
            System.arraycopy(times, at, times, at + 1, size - at);
            System.arraycopy(hashes, at, hashes, at + 1, size - at);
            times[at] = time;
            hashes[at] = hash;
            baseSize++;
            return true;
        }

        /** The set; the builder must not be used afterwards. */
        public SeenEvents build() {
            if (baseSize + recentSize == 0) {
                return EMPTY;
            }
            SeenEvents out;
            if (ownBase) {
                out = baseSize == baseTimes.length ? new SeenEvents(baseTimes, baseHashes, 0, baseSize, NONE, NONE)
                        : new SeenEvents(Arrays.copyOf(baseTimes, baseSize), Arrays.copyOf(baseHashes, baseSize), 0,
                        baseSize, NONE, NONE);
            } else if (recentSize == 0) {
                out = new SeenEvents(baseTimes, baseHashes, from, baseSize, NONE, NONE);
            } else {
                out = new SeenEvents(baseTimes, baseHashes, from, baseSize,
                        recentSize == recentTimes.length ? recentTimes : Arrays.copyOf(recentTimes, recentSize),
                        recentSize == recentHashes.length ? recentHashes : Arrays.copyOf(recentHashes, recentSize));
            }
            baseTimes = null;
            baseHashes = null;
            recentTimes = null;
            recentHashes = null;
            return out;
        }
    }
}
