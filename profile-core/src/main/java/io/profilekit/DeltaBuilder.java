package io.profilekit;

import io.profilekit.internal.JsonValues;
import io.profilekit.op.CappedSet;
import io.profilekit.op.Counter;
import io.profilekit.op.DecayingScore;
import io.profilekit.op.DecimalSum;
import io.profilekit.op.Extremum;
import io.profilekit.op.FirstWrite;
import io.profilekit.op.LastWrite;
import io.profilekit.op.Operation;
import io.profilekit.op.RecentValues;
import io.profilekit.op.TopValues;
import io.profilekit.op.WindowedCount;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * The operations one event makes on a profile, as a reducer rule declares them. Every operation is
 * stamped with the event's time and id, which is what makes profiles converge whatever the arrival
 * order.
 *
 * <p>Methods return {@code this} for chaining. A {@code null} value skips the operation, so optional
 * properties need no {@code if}: {@code p.set("referrer", e.string("referrer"))}.
 *
 * <p>Not thread-safe: one builder serves one event on one thread.
 */
public final class DeltaBuilder {
    private final long time;
    private final long tie;
    private String[] names = new String[8];
    private Operation[] operations = new Operation[8];
    private int size;

    DeltaBuilder(long time, long tie) {
        this.time = time;
        this.tie = tie;
    }

    /** Sets the attribute; the value of the newest event by event time wins (ties: by event id). */
    public DeltaBuilder set(String name, Object value) {
        return value == null ? this : put(name, new LastWrite(JsonValues.normalize(value), true, time, tie));
    }

    /** Sets the attribute unless an earlier event (by event time) set it. */
    public DeltaBuilder setOnce(String name, Object value) {
        return value == null ? this : put(name, new FirstWrite(JsonValues.normalize(value), time, tie));
    }

    /** Removes the attribute; a set with a later event time brings it back. */
    public DeltaBuilder unset(String name) {
        return put(name, new LastWrite(null, false, time, tie));
    }

    /** Adds one to a 64-bit counter. */
    public DeltaBuilder increment(String name) {
        return put(name, new Counter(1, time));
    }

    /** Adds {@code amount} to a 64-bit counter. */
    public DeltaBuilder increment(String name, long amount) {
        return put(name, new Counter(amount, time));
    }

    /**
     * Adds a number to an exact decimal sum ({@code double}s and {@code float}s count by their
     * shortest decimal form, so 0.1 + 0.2 is 0.3). Integral amounts given as {@code Long} or
     * {@code Integer} (or a {@code BigInteger} in the 64-bit range) go to a 64-bit counter, as {@link #increment(String, long)}; when one attribute gets both, counters
     * and decimal sums add up into a decimal sum.
     */
    public DeltaBuilder add(String name, Number amount) {
        if (amount == null) {
            return this;
        }
        finite(name, amount);
        if (amount instanceof BigInteger || amount instanceof Float) {
            amount = (Number) JsonValues.normalize(amount); // exact: not through a double's binary value
        }
        if (amount instanceof Long || amount instanceof Integer || amount instanceof Short || amount instanceof Byte) {
            return increment(name, amount.longValue());
        }
        BigDecimal d = amount instanceof BigDecimal bd ? bd : BigDecimal.valueOf(amount.doubleValue());
        return put(name, new DecimalSum(d, time));
    }

    /** Keeps the greatest number seen. */
    public DeltaBuilder max(String name, Number value) {
        return value == null ? this : put(name, new Extremum(true, finite(name, value), time));
    }

    /** Keeps the least number seen. */
    public DeltaBuilder min(String name, Number value) {
        return value == null ? this : put(name, new Extremum(false, finite(name, value), time));
    }

    /** Keeps the {@code capacity} most recent values by event time, newest first. */
    public DeltaBuilder recent(String name, Object value, int capacity) {
        return value == null ? this : put(name, RecentValues.of(JsonValues.normalize(value), time, tie, capacity));
    }

    /** Adds the value to a set of distinct values that keeps the {@code capacity} most recently seen. */
    public DeltaBuilder setAdd(String name, Object value, int capacity) {
        return value == null ? this : put(name, CappedSet.of(JsonValues.normalize(value), time, capacity));
    }

    /** Adds {@code amount} (within +/-1e9) to a score that halves every {@code halfLife}. */
    public DeltaBuilder decay(String name, double amount, Duration halfLife) {
        return put(name, DecayingScore.of(amount, time, positiveMillis("halfLife", halfLife)));
    }

    /** Counts the event in a window of the last {@code window} by event time, in 24 buckets. */
    public DeltaBuilder windowedCount(String name, Duration window) {
        long w = positiveMillis("window", window);
        return windowedCount(name, window, Duration.ofMillis(Math.max(1, w / 24)));
    }

    /** Counts the event in a window of the last {@code window} by event time, in buckets of {@code bucket}. */
    public DeltaBuilder windowedCount(String name, Duration window, Duration bucket) {
        return put(name, WindowedCount.of(time, positiveMillis("window", window), positiveMillis("bucket", bucket)));
    }

    /** Counts the value towards the {@code n} most frequent, keeping {@code 4 * n} counters. */
    public DeltaBuilder topN(String name, Object value, int n) {
        return topN(name, value, n, (int) Math.min(Integer.MAX_VALUE, Math.max(4L * n, 16))); // no int overflow
    }

    /** Counts the value towards the {@code n} most frequent, keeping {@code capacity} counters. */
    public DeltaBuilder topN(String name, Object value, int n, int capacity) {
        return value == null ? this : put(name, TopValues.of(JsonValues.normalize(value), time, n, capacity));
    }

    /** Adds a ready-made operation, for operations this builder has no method for. */
    public DeltaBuilder operation(String name, Operation operation) {
        return put(name, Objects.requireNonNull(operation, "operation"));
    }

    /** The delta; the builder cannot be used afterwards (its arrays become the delta's). */
    public Delta build() {
        if (names == null) {
            throw new IllegalStateException("build() was called already: a DeltaBuilder makes one delta");
        }
        Delta d = size == 0 ? Delta.empty() : new Delta(names, operations, size);
        names = null;
        operations = null;
        return d;
    }

    private DeltaBuilder put(String name, Operation op) {
        Objects.requireNonNull(name, "attribute name");
        if (names == null) {
            throw new IllegalStateException("build() was called already: a DeltaBuilder makes one delta");
        }
        int h = name.hashCode();
        for (int i = 0; i < size; i++) {
            String n = names[i];
            if (n == name || (n.hashCode() == h && n.equals(name))) {
                operations[i] = operations[i].merge(op);
                return this;
            }
        }
        if (size == names.length) {
            names = Arrays.copyOf(names, size * 2);
            operations = Arrays.copyOf(operations, size * 2);
        }
        names[size] = name;
        operations[size++] = op;
        return this;
    }

    /** {@code value}, when it is finite and, as a decimal, within {@link JsonValues#MAX_DECIMAL_LENGTH}. */
    private static Number finite(String name, Number value) {
        if ((value instanceof Double || value instanceof Float) && !Double.isFinite(value.doubleValue())) {
            throw new IllegalArgumentException(name + ": expected a finite number, got " + value);
        }
        if (value instanceof BigDecimal || value instanceof BigInteger) {
            try {
                JsonValues.checkDecimal(value instanceof BigDecimal bd ? bd : new BigDecimal((BigInteger) value));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
            }
        }
        return value;
    }

    private static long positiveMillis(String what, Duration d) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, got " + d);
        }
        if (d.getSeconds() >= Long.MAX_VALUE / 1000) {
            return Long.MAX_VALUE; // beyond the range of epoch milliseconds: as long as time itself
        }
        return d.toMillis() == 0 ? 1 : d.toMillis();
    }
}
