package io.profilekit.internal;

/**
 * Latencies over a sliding window of wall-clock time, in slices, for a windowed p99. Thread-safe
 * (synchronized: it is fed once per batch, not per event). Not part of the API.
 */
public final class SlidingLatency {
    private final long sliceMillis;
    private final long[][] counts;
    private final long[] sliceIndex;

    public SlidingLatency(long windowMillis, int slices) {
        this.sliceMillis = Math.max(1, windowMillis / slices);
        this.counts = new long[slices][LatencyHistogram.BUCKETS];
        this.sliceIndex = new long[slices];
        java.util.Arrays.fill(sliceIndex, Long.MIN_VALUE);
    }

    public synchronized void record(long nanos, long nowMillis) {
        long idx = Math.floorDiv(nowMillis, sliceMillis);
        int slot = (int) Math.floorMod(idx, (long) counts.length);
        if (sliceIndex[slot] != idx) {
            java.util.Arrays.fill(counts[slot], 0);
            sliceIndex[slot] = idx;
        }
        counts[slot][LatencyHistogram.index(Math.max(0, nanos))]++;
    }

    /** The 99th percentile, in nanoseconds, of what was recorded within the window ending now; -1 when nothing was. */
    public synchronized long p99(long nowMillis) {
        long idx = Math.floorDiv(nowMillis, sliceMillis);
        long[] sum = new long[LatencyHistogram.BUCKETS];
        long n = 0;
        for (int s = 0; s < counts.length; s++) {
            if (sliceIndex[s] > idx - counts.length && sliceIndex[s] <= idx) {
                for (int b = 0; b < sum.length; b++) {
                    sum[b] += counts[s][b];
                    n += counts[s][b];
                }
            }
        }
        if (n == 0) {
            return -1;
        }
        long rank = (long) Math.ceil(0.99 * n);
        long seen = 0;
        for (int b = 0; b < sum.length; b++) {
            seen += sum[b];
            if (seen >= rank) {
                return LatencyHistogram.upperBound(b);
            }
        }
        return LatencyHistogram.upperBound(sum.length - 1);
    }
}
