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

    @Override
    public String kind() {
        return "sum";
    }
}
