package io.profilekit.internal;

import io.profilekit.LatencySnapshot;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * A lock-free histogram of durations in nanoseconds, log-linear with 16 sub-buckets per power of
 * two (values within 6.25 % of the truth). Thread-safe; recording allocates nothing. Not part of the API.
 */
public final class LatencyHistogram {
    private static final int SUB_BITS = 4;
    private static final int SUB = 1 << SUB_BITS;
    static final int BUCKETS = 64 * SUB;
    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    private final LongAdder sum = new LongAdder();
    private final LongAccumulator max = new LongAccumulator(Math::max, 0);

    public void record(long nanos) {
        long v = Math.max(0, nanos);
        counts.incrementAndGet(index(v));
        sum.add(v);
        max.accumulate(v);
    }

    static int index(long v) {
        if (v < SUB) {
            return (int) v;
        }
        int exp = 63 - Long.numberOfLeadingZeros(v);
        int sub = (int) (v >>> (exp - SUB_BITS)) & (SUB - 1);
        return (exp - SUB_BITS + 1) * SUB + sub;
    }

    /** The largest value that falls in bucket {@code index}. */
    static long upperBound(int index) {
        if (index < SUB) {
            return index;
        }
        int exp = index / SUB + SUB_BITS - 1;
        long sub = index % SUB;
        long low = (1L << exp) | (sub << (exp - SUB_BITS));
        return low + (1L << (exp - SUB_BITS)) - 1;
    }

    /** A consistent-enough copy of the histogram's figures. */
    public LatencySnapshot snapshot() {
        long[] c = new long[counts.length()];
        long n = 0;
        for (int i = 0; i < c.length; i++) {
            c[i] = counts.get(i);
            n += c[i];
        }
        long mx = max.get();
        return new LatencySnapshot(n, n == 0 ? 0 : sum.sum() / n,
                quantile(c, n, 0.50, mx), quantile(c, n, 0.99, mx), quantile(c, n, 0.999, mx), mx);
    }

    private static long quantile(long[] c, long n, double q, long max) {
        if (n == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * n);
        long seen = 0;
        for (int i = 0; i < c.length; i++) {
            seen += c[i];
            if (seen >= rank) {
                return Math.min(upperBound(i), max);
            }
        }
        return max;
    }
}
