package io.profilekit.op;

import io.profilekit.internal.ValueOrder;

/**
 * {@code set} and {@code unset}: a last-writer-wins register by event time. Ties on the event time
 * are broken by the event id's hash, then by the value, never by arrival order.
 *
 * @param value   the value, or null after an unset
 * @param present false for an unset (a timestamped removal that loses to later sets)
 * @param time    event time in epoch milliseconds
 * @param tie     the hash of the event id, the tie-breaker
 */
public record LastWrite(Object value, boolean present, long time, long tie) implements Operation {

    @Override
    public long updatedAt() {
        return time;
    }

    @Override
    public Operation merge(Operation other) {
        if (!(other instanceof LastWrite o)) {
            return Operation.newerOf(this, other);
        }
        int c = Long.compare(time, o.time);
        if (c == 0) {
            c = Long.compare(tie, o.tie);
        }
        if (c == 0) {
            c = Boolean.compare(present, o.present);
        }
        if (c == 0) {
            c = ValueOrder.INSTANCE.compare(value, o.value);
        }
        return c >= 0 ? this : o;
    }

    @Override
    public Object read(long nowMillis) {
        return present ? value : null;
    }

    @Override
    public String kind() {
        return "set";
    }
}
