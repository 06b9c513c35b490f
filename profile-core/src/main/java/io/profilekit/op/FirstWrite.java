package io.profilekit.op;

import io.profilekit.internal.ValueOrder;

/**
 * {@code setOnce}: keeps the value of the earliest event by event time (ties broken by the event
 * id's hash, then by value), whatever order events arrive in.
 *
 * @param value the value
 * @param time  event time in epoch milliseconds
 * @param tie   the hash of the event id
 */
public record FirstWrite(Object value, long time, long tie) implements Operation {

    @Override
    public long updatedAt() {
        return time;
    }

    @Override
    public Operation merge(Operation other) {
        if (!(other instanceof FirstWrite o)) {
            return Operation.newerOf(this, other);
        }
        int c = Long.compare(time, o.time);
        if (c == 0) {
            c = Long.compare(tie, o.tie);
        }
        if (c == 0) {
            c = ValueOrder.INSTANCE.compare(value, o.value);
        }
        return c <= 0 ? this : o;
    }

    @Override
    public Object read(long nowMillis) {
        return value;
    }

    @Override
    public String kind() {
        return "setOnce";
    }
}
