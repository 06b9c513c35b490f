package io.profilekit.op;

import java.util.Arrays;

/**
 * {@code windowedCount}: how many events fell in the last {@code window} by event time, counted in
 * buckets of {@code bucket} length. Only the buckets that can still be inside the window of the
 * newest event are kept, so an event that arrives after its bucket left the window is not counted
 * (whatever the arrival order, the kept buckets are the same).
 *
 * <p>A read at {@code now} sums the buckets from the one holding {@code now - window} (exclusive
 * of older ones) to the one holding {@code now}: the window's edge has the bucket's granularity.
 *
 * @param windowMillis the window length in milliseconds
 * @param bucketMillis the bucket length in milliseconds, at most the window
 * @param buckets      bucket indexes (event time / bucket length), ascending
 * @param counts       counts, one per bucket
 * @param updatedAt    newest event time in epoch milliseconds
 */
public record WindowedCount(long windowMillis, long bucketMillis, long[] buckets, long[] counts, long updatedAt)
        implements Operation {

    public WindowedCount {
        if (bucketMillis <= 0 || windowMillis < bucketMillis) {
            throw new IllegalArgumentException("windowedCount needs 0 < bucket <= window, got window="
                    + windowMillis + " ms, bucket=" + bucketMillis + " ms");
        }
        if (buckets.length != counts.length) {
            throw new IllegalArgumentException("windowedCount buckets and counts differ in length");
        }
    }

    /** A delta counting one event at event time {@code time}. */
    public static WindowedCount of(long time, long windowMillis, long bucketMillis) {
        return new WindowedCount(windowMillis, bucketMillis, new long[] {Math.floorDiv(time, bucketMillis)},
                new long[] {1}, time);
    }

    /**
     * How many bucket lengths the window spans, rounded up. A window ending inside a bucket touches
     * up to {@code span() + 1} buckets (the one holding its start, partly inside, counts).
     */
    public long span() {
        return span(windowMillis, bucketMillis);
    }

    private static long span(long windowMillis, long bucketMillis) {
        return windowMillis / bucketMillis + (windowMillis % bucketMillis == 0 ? 0 : 1); // no overflow near Long.MAX_VALUE
    }

    /** How many buckets, counted back from the newest, are kept: {@code span() + 1}, saturated. */
    private static long keep(long windowMillis, long bucketMillis) {
        long span = span(windowMillis, bucketMillis);
        return span == Long.MAX_VALUE ? span : span + 1;
    }

    /**
     * Whether a bucket is still kept once the newest bucket is {@code newest}: whether it can hold
     * the start of a window ending at or after the newest event.
     */
    public boolean keeps(long bucket, long newest) {
        return bucket > Buckets.oldestKept(newest, keep(windowMillis, bucketMillis));
    }

    @Override
    public Operation merge(Operation other) {
        if (!(other instanceof WindowedCount o) || o.windowMillis != windowMillis || o.bucketMillis != bucketMillis) {
            return Operation.newerOf(this, other);
        }
        Buckets m = Buckets.merge(buckets, counts, o.buckets, o.counts, keep(windowMillis, bucketMillis));
        return new WindowedCount(windowMillis, bucketMillis, m.indexes(), m.values(), Math.max(updatedAt, o.updatedAt));
    }

    /** The count of events in the window ending at {@code nowMillis}, as a Long. */
    @Override
    public Object read(long nowMillis) {
        long nowBucket = Math.floorDiv(nowMillis, bucketMillis);
        long start = nowMillis - windowMillis;
        long firstBucket = start > nowMillis ? Long.MIN_VALUE : Math.floorDiv(start, bucketMillis); // wrapped: before all
        long total = 0;
        for (int i = 0; i < buckets.length; i++) {
            if (buckets[i] <= nowBucket && buckets[i] >= firstBucket) {
                total += counts[i];
            }
        }
        return total;
    }

    /**
     * Folds single-event deltas of the same settings into mutable bucket arrays, with the same
     * result as merging them one by one; anything else is left to the immutable merge. Not
     * thread-safe.
     */
    static final class Folder extends Accumulator {
        private final long windowMillis;
        private final long bucketMillis;
        private final Buckets.Folder buckets;
        private long updatedAt;
        private WindowedCount frozen;

        private Folder(WindowedCount start, Buckets.Folder buckets) {
            windowMillis = start.windowMillis;
            bucketMillis = start.bucketMillis;
            this.buckets = buckets;
            updatedAt = start.updatedAt;
            frozen = start;
        }

        /** A folder of {@code w}, or null when its buckets are not ascending. */
        static Folder of(WindowedCount w) {
            Buckets.Folder b = Buckets.Folder.of(w.buckets, w.counts, keep(w.windowMillis, w.bucketMillis));
            return b == null ? null : new Folder(w, b);
        }

        @Override
        public boolean add(Operation op) {
            if (!(op instanceof WindowedCount o) || o.windowMillis != windowMillis || o.bucketMillis != bucketMillis
                    || !buckets.add(o.buckets, o.counts)) {
                return false;
            }
            updatedAt = Math.max(updatedAt, o.updatedAt);
            frozen = null;
            return true;
        }

        @Override
        public Operation result() {
            if (frozen == null) {
                frozen = new WindowedCount(windowMillis, bucketMillis, buckets.indexes(), buckets.values(), updatedAt);
            }
            return frozen;
        }

        @Override
        public boolean keepsBucket(long bucket) {
            long newest = buckets.newest();
            return newest == Long.MIN_VALUE || bucket > Buckets.oldestKept(newest, keep(windowMillis, bucketMillis));
        }
    }

    @Override
    public String kind() {
        return "window";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WindowedCount w && w.windowMillis == windowMillis && w.bucketMillis == bucketMillis
                && w.updatedAt == updatedAt && Arrays.equals(w.buckets, buckets) && Arrays.equals(w.counts, counts);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(windowMillis) * 31 + Arrays.hashCode(buckets) * 17 + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "WindowedCount[windowMillis=" + windowMillis + ", bucketMillis=" + bucketMillis + ", buckets="
                + Arrays.toString(buckets) + ", counts=" + Arrays.toString(counts) + ", updatedAt=" + updatedAt + "]";
    }
}
