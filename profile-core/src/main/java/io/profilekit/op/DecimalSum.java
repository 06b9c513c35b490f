package io.profilekit.op;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * {@code add} of decimals: an exact sum (money adds up to the cent in any order). A {@link Counter}
 * merged into it is added too, so an attribute that receives both integral amounts (which
 * {@code add} turns into counters) and decimal ones keeps the sum of all of them.
 *
 * @param value     the sum
 * @param updatedAt newest event time in epoch milliseconds
 */
public record DecimalSum(BigDecimal value, long updatedAt) implements Operation {
    public DecimalSum {
        Objects.requireNonNull(value, "value");
    }

    @Override
    public Operation merge(Operation other) {
        if (other instanceof Counter c) {
            return new DecimalSum(value.add(BigDecimal.valueOf(c.value())), Math.max(updatedAt, c.updatedAt()));
        }
        if (!(other instanceof DecimalSum o)) {
            return Operation.newerOf(this, other);
        }
        return new DecimalSum(value.add(o.value), Math.max(updatedAt, o.updatedAt));
    }

    @Override
    public Object read(long nowMillis) {
        return value;
    }

    /** Adds counters and decimal sums into one running total, as the merge does. Not thread-safe. */
    static final class Folder extends Accumulator {
        private BigDecimal value;
        private long updatedAt;
        private DecimalSum frozen;

        Folder(DecimalSum start) {
            value = start.value;
            updatedAt = start.updatedAt;
            frozen = start;
        }

        @Override
        public boolean add(Operation op) {
            if (op instanceof Counter c) {
                value = value.add(BigDecimal.valueOf(c.value()));
                updatedAt = Math.max(updatedAt, c.updatedAt());
            } else if (op instanceof DecimalSum o) {
                value = value.add(o.value);
                updatedAt = Math.max(updatedAt, o.updatedAt);
            } else {
                return false;
            }
            frozen = null;
            return true;
        }

        @Override
        public Operation result() {
            if (frozen == null) {
                frozen = new DecimalSum(value, updatedAt);
            }
            return frozen;
        }
    }

    @Override
    public String kind() {
        return "sum";
    }
}
