package io.profilekit.op;

import java.util.Arrays;

/**
 * {@code decay}: a score where each event adds {@code amount} and every contribution halves each
 * {@code halfLife}: value at {@code now} = sum of {@code amount * 2^-((now - t) / halfLife)}.
 *
 * <p>Exact and order independent: each contribution is scaled to the start of its bucket (a bucket
 * spans {@value #HALF_LIVES_PER_BUCKET} half-lives) and added as a fixed-point integer with
 * {@value #FRACTION_BITS} fraction bits, so sums are integer sums. Only the newest {@value #BUCKETS}
 * buckets by event time are kept: older ones have decayed by more than 2^-56 and are dropped.
 * Amounts must lie within +/-1e9.
 *
 * @param halfLifeMillis the half-life in milliseconds
 * @param buckets        bucket indexes (event time / bucket span), ascending
 * @param sums           fixed-point sums, one per bucket
 * @param updatedAt      newest event time in epoch milliseconds
 */
public record DecayingScore(long halfLifeMillis, long[] buckets, long[] sums, long updatedAt) implements Operation {
    public static final int HALF_LIVES_PER_BUCKET = 8;
    public static final int BUCKETS = 8;
    public static final int FRACTION_BITS = 20;
    static final double MAX_AMOUNT = 1e9;

    public DecayingScore {
        checkHalfLife(halfLifeMillis);
        if (buckets.length != sums.length) {
            throw new IllegalArgumentException("decay buckets and sums differ in length");
        }
    }

    /** A delta adding {@code amount} at event time {@code time}. */
    public static DecayingScore of(double amount, long time, long halfLifeMillis) {
        if (!(Math.abs(amount) <= MAX_AMOUNT)) {
            throw new IllegalArgumentException("decay amount must be a number within +/-1e9, got " + amount);
        }
        checkHalfLife(halfLifeMillis);
        long span = halfLifeMillis * HALF_LIVES_PER_BUCKET;
        long bucket = Math.floorDiv(time, span);
        long fixed = Math.round(Math.scalb(amount * exp2(time - bucket * span, halfLifeMillis), FRACTION_BITS));
        return new DecayingScore(halfLifeMillis, new long[] {bucket}, new long[] {fixed}, time);
    }

    /** The longest half-life: a bucket ({@value #HALF_LIVES_PER_BUCKET} half-lives) must fit a long. */
    static final long MAX_HALF_LIFE = Long.MAX_VALUE / HALF_LIVES_PER_BUCKET;

    private static void checkHalfLife(long halfLifeMillis) {
        if (halfLifeMillis <= 0) {
            throw new IllegalArgumentException("decay half-life must be positive, got " + halfLifeMillis + " ms");
        }
        if (halfLifeMillis > MAX_HALF_LIFE) {
            throw new IllegalArgumentException("decay half-life must be at most " + MAX_HALF_LIFE + " ms, got "
                    + halfLifeMillis + " ms");
        }
    }

    private static final double LN2 = 0.6931471805599453;
    private static final double[] EXP2_HIGH = new double[1024];
    private static final double[] EXP2_LOW = new double[1024];

    static {
        for (int i = 0; i < 1024; i++) {
            EXP2_HIGH[i] = StrictMath.pow(2.0, i / 1024.0);
            EXP2_LOW[i] = StrictMath.pow(2.0, i / (double) (1 << 20));
        }
    }

    /**
     * {@code 2^(dt / halfLife)} for {@code 0 <= dt < 8 * halfLife}, within 1e-13 relative: two
     * table look-ups and a first-order term instead of a {@code pow}, and the same bits on every JVM
     * (the tables come from StrictMath; the rest is plain IEEE arithmetic).
     */
    static double exp2(long dt, long halfLifeMillis) {
        if (halfLifeMillis > (1L << 40)) {
            return StrictMath.pow(2.0, (double) dt / halfLifeMillis);
        }
        long scaled = dt << FRACTION_BITS;
        long q = scaled / halfLifeMillis;
        int whole = (int) (q >>> FRACTION_BITS);
        int frac = (int) (q & ((1 << FRACTION_BITS) - 1));
        // the rest below 2^-20 half-lives: 2^r = 1 + r ln 2 within 1e-13 for r < 2^-20
        double rest = Math.scalb((double) (scaled - q * halfLifeMillis) / halfLifeMillis, -FRACTION_BITS);
        return Math.scalb(EXP2_HIGH[frac >>> 10] * EXP2_LOW[frac & 1023] * (1.0 + rest * LN2), whole);
    }

    @Override
    public Operation merge(Operation other) {
        if (!(other instanceof DecayingScore o) || o.halfLifeMillis != halfLifeMillis) {
            return Operation.newerOf(this, other);
        }
        Buckets m = Buckets.merge(buckets, sums, o.buckets, o.sums, BUCKETS);
        return new DecayingScore(halfLifeMillis, m.indexes(), m.values(), Math.max(updatedAt, o.updatedAt));
    }

    /** The score at {@code nowMillis}, as a double. */
    @Override
    public Object read(long nowMillis) {
        long span = halfLifeMillis * HALF_LIVES_PER_BUCKET;
        double total = 0;
        for (int i = 0; i < buckets.length; i++) {
            double halfLives = (double) (buckets[i] * span - nowMillis) / halfLifeMillis;
            total += Math.scalb((double) sums[i], -FRACTION_BITS) * StrictMath.pow(2.0, halfLives);
        }
        return total;
    }

    /**
     * Folds single-event deltas of the same settings into mutable bucket arrays, with the same
     * result as merging them one by one; anything else is left to the immutable merge. Not
     * thread-safe.
     */
    static final class Folder extends Accumulator {
        private final long halfLifeMillis;
        private final Buckets.Folder buckets;
        private long updatedAt;
        private DecayingScore frozen;

        private Folder(DecayingScore start, Buckets.Folder buckets) {
            halfLifeMillis = start.halfLifeMillis;
            this.buckets = buckets;
            updatedAt = start.updatedAt;
            frozen = start;
        }

        /** A folder of {@code w}, or null when its buckets are not ascending. */
        static Folder of(DecayingScore w) {
            Buckets.Folder b = Buckets.Folder.of(w.buckets, w.sums, BUCKETS);
            return b == null ? null : new Folder(w, b);
        }

        @Override
        public boolean add(Operation op) {
            if (!(op instanceof DecayingScore o) || o.halfLifeMillis != halfLifeMillis
                    || !buckets.add(o.buckets, o.sums)) {
                return false;
            }
            updatedAt = Math.max(updatedAt, o.updatedAt);
            frozen = null;
            return true;
        }

        @Override
        public Operation result() {
            if (frozen == null) {
                frozen = new DecayingScore(halfLifeMillis, buckets.indexes(), buckets.values(), updatedAt);
            }
            return frozen;
        }
    }

    @Override
    public String kind() {
        return "decay";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DecayingScore d && d.halfLifeMillis == halfLifeMillis && d.updatedAt == updatedAt
                && Arrays.equals(d.buckets, buckets) && Arrays.equals(d.sums, sums);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(halfLifeMillis) * 31 + Arrays.hashCode(buckets) * 17 + Arrays.hashCode(sums);
    }

    @Override
    public String toString() {
        return "DecayingScore[halfLifeMillis=" + halfLifeMillis + ", buckets=" + Arrays.toString(buckets)
                + ", sums=" + Arrays.toString(sums) + ", updatedAt=" + updatedAt + "]";
    }
}
