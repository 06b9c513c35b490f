package io.profilekit.op;

import io.profilekit.internal.JsonValues;
import io.profilekit.internal.ValueOrder;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Objects;

/**
 * {@code max} and {@code min}: the greatest or least number seen, compared exactly.
 *
 * @param max       true for max, false for min
 * @param value     a canonical number: {@code Long}, or a {@code BigDecimal} without trailing zeros
 * @param updatedAt newest event time in epoch milliseconds
 */
public record Extremum(boolean max, Number value, long updatedAt) implements Operation {
    public Extremum {
        Objects.requireNonNull(value, "value");
        value = canonical(value);
    }

    /** The canonical form of a number: an integral value that fits a long is a Long. */
    public static Number canonical(Number n) {
        if (n instanceof Long) {
            return n;
        }
        if (n instanceof Integer || n instanceof Short || n instanceof Byte) {
            return n.longValue();
        }
        if (n instanceof BigInteger || n instanceof Float) {
            n = (Number) JsonValues.normalize(n); // exact: not through a double's binary value
            if (n instanceof Long) {
                return n;
            }
        }
        BigDecimal bd = ValueOrder.toDecimal(n);
        if (bd.signum() == 0) {
            return 0L;
        }
        bd = bd.stripTrailingZeros();
        if (bd.scale() <= 0 && bd.precision() - bd.scale() <= 19) {
            try {
                return bd.longValueExact();
            } catch (ArithmeticException outsideLongRange) {
                return bd;
            }
        }
        return bd;
    }

    @Override
    public Operation merge(Operation other) {
        if (!(other instanceof Extremum o) || o.max != max) {
            return Operation.newerOf(this, other);
        }
        int c = ValueOrder.compareNumbers(value, o.value);
        Number winner = c == 0 ? value : (max == c > 0 ? value : o.value);
        return new Extremum(max, winner, Math.max(updatedAt, o.updatedAt));
    }

    @Override
    public Object read(long nowMillis) {
        return value;
    }

    /** Keeps the running greatest (or least) number, as the merge does. Not thread-safe. */
    static final class Folder extends Accumulator {
        private final boolean max;
        private Number value;
        private long updatedAt;
        private Extremum frozen;

        Folder(Extremum start) {
            max = start.max;
            value = start.value;
            updatedAt = start.updatedAt;
            frozen = start;
        }

        @Override
        public boolean add(Operation op) {
            if (!(op instanceof Extremum o) || o.max != max) {
                return false;
            }
            int c = ValueOrder.compareNumbers(value, o.value);
            value = c == 0 ? value : (max == c > 0 ? value : o.value);
            updatedAt = Math.max(updatedAt, o.updatedAt);
            frozen = null;
            return true;
        }

        @Override
        public Operation result() {
            if (frozen == null) {
                frozen = new Extremum(max, value, updatedAt);
            }
            return frozen;
        }
    }

    @Override
    public String kind() {
        return max ? "max" : "min";
    }
}
