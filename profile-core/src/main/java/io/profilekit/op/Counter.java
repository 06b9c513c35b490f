package io.profilekit.op;

/**
 * {@code increment}: a 64-bit sum. Saturates at {@code Long.MAX_VALUE} / {@code Long.MIN_VALUE}
 * rather than wrapping. Merged with a {@link DecimalSum} (an attribute that receives both integral
 * and decimal amounts through {@code add}), it adds to it: the result is a {@code DecimalSum}.
 *
 * @param value     the sum
 * @param updatedAt newest event time in epoch milliseconds
 */
public record Counter(long value, long updatedAt) implements Operation {

    @Override
    public Operation merge(Operation other) {
        if (other instanceof DecimalSum d) {
            return d.merge(this);
        }
        if (!(other instanceof Counter o)) {
            return Operation.newerOf(this, other);
        }
        return new Counter(saturatedAdd(value, o.value), Math.max(updatedAt, o.updatedAt));
    }

    static long saturatedAdd(long a, long b) {
        long r = a + b;
        if (((a ^ r) & (b ^ r)) < 0) {
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return r;
    }

    @Override
    public Object read(long nowMillis) {
        return value;
    }

    @Override
    public String kind() {
        return "counter";
    }
}
