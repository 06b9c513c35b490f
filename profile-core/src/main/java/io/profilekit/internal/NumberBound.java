package io.profilekit.internal;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * A bound of a number spec, with the forms the validator compares against without allocating.
 * Not part of the API. Immutable and thread-safe.
 *
 * @param value    the exact bound, without trailing zeros
 * @param asDouble the nearest double
 * @param fitsLong whether the bound is a whole number in the range of {@code long}
 * @param asLong   the bound as a long, when it fits
 */
public record NumberBound(BigDecimal value, double asDouble, boolean fitsLong, long asLong) {
    /** The bound for a value. */
    public static NumberBound of(BigDecimal value) {
        Objects.requireNonNull(value, "bound");
        BigDecimal exact = value.stripTrailingZeros();
        boolean fitsLong = exact.scale() <= 0 && exact.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) >= 0
                && exact.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0;
        return new NumberBound(exact, value.doubleValue(), fitsLong, fitsLong ? exact.longValueExact() : 0);
    }

    /** Sign of {@code number - this}. */
    public int compareFrom(Object number) {
        if (number instanceof Long l) {
            return fitsLong ? Long.compare(l, asLong) : BigDecimal.valueOf(l).compareTo(value);
        }
        if (number instanceof Double d) {
            if (d < asDouble) {
                return -1;
            }
            return d > asDouble ? 1 : BigDecimal.valueOf(d).compareTo(value);
        }
        return ((BigDecimal) number).compareTo(value);
    }

    @Override
    public String toString() {
        return value.toPlainString();
    }
}
