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

    /** Adds counters in place; a decimal sum is left to the immutable merge. Not thread-safe. */
    static final class Folder extends Accumulator {
        private long value;
        private long updatedAt;
        private Counter frozen;

        Folder(Counter start) {
            value = start.value;
            updatedAt = start.updatedAt;
            frozen = start;
        }

        @Override
        public boolean add(Operation op) {
            if (!(op instanceof Counter o)) {
                return false;
            }
            value = saturatedAdd(value, o.value);
            updatedAt = Math.max(updatedAt, o.updatedAt);
            frozen = null;
            return true;
        }

        @Override
        public Operation result() {
            if (frozen == null) {
                frozen = new Counter(value, updatedAt);
            }
            return frozen;
        }
    }

    @Override
    public String kind() {
        return "counter";
    }
}
