package io.profilekit.kafka;

import io.profilekit.ProfileChange;
import io.profilekit.internal.JsonBytes;

import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;

/**
 * The JSON value of a {@code profile-updates} record, keyed by user id:
 * <pre>{@code
 * {"userId":"u42","version":7,
 *  "changes":{"page_views":{"before":6,"after":7},"last_url":{"before":"/a","after":"/shoes"}},
 *  "causes":["7f1c..."]}
 * }</pre>
 * An attribute that had no value has {@code "before":null}; one that lost its value has
 * {@code "after":null}. Instants are ISO-8601 strings; exact decimals are JSON numbers; a double that
 * is not finite is a string ({@code "NaN"}); a value of any other type is the string of its
 * {@code toString()}. The bytes are those Jackson's generator writes for the same calls, written by
 * hand on a reused buffer: change records are encoded for nearly every write of the processor.
 */
public final class ChangeRecords {
    private ChangeRecords() {
    }

    /** Encodes one change as UTF-8 JSON. */
    public static byte[] encode(ProfileChange change) {
        return new Encoder(128 + 64 * change.changes().size()).encode(change);
    }

    /**
     * An encoder for one thread that reuses its output buffer between changes (the same bytes as
     * {@link #encode(ProfileChange)}). Not thread-safe.
     */
    static final class Encoder extends JsonBytes {
        /** Past this, the buffer of one huge change is let go after it. */
        private static final int KEPT = 64 * 1024;

        Encoder() {
            this(4096);
        }

        private Encoder(int capacity) {
            super(capacity);
        }

        byte[] encode(ProfileChange change) {
            reset();
            raw("{\"userId\":");
            string(change.userId());
            raw(",\"version\":");
            number(change.version());
            raw(",\"changes\":{");
            boolean first = true;
            for (ProfileChange.AttributeChange c : change.changes()) {
                if (!first) {
                    raw(',');
                }
                first = false;
                string(c.name());
                raw(":{\"before\":");
                value(c.before().orElse(null));
                raw(",\"after\":");
                value(c.after().orElse(null));
                raw('}');
            }
            raw("},\"causes\":[");
            first = true;
            for (String id : change.causeEventIds()) {
                if (!first) {
                    raw(',');
                }
                first = false;
                string(id);
            }
            raw("]}");
            byte[] out = toByteArray();
            release(KEPT);
            return out;
        }

        private void value(Object v) {
            if (plainScalar(v)) {
                return;
            }
            if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
                number(((Number) v).longValue());
            } else if (v instanceof Double d) {
                if (d.isNaN() || d.isInfinite()) {
                    string(d.toString());
                } else {
                    raw(d.toString());
                }
            } else if (v instanceof Float f) {
                if (f.isNaN() || f.isInfinite()) {
                    string(f.toString());
                } else {
                    raw(f.toString());
                }
            } else if (v instanceof BigInteger bi) {
                raw(bi.toString());
            } else if (v instanceof Map<?, ?> m) {
                raw('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        raw(',');
                    }
                    first = false;
                    string(String.valueOf(e.getKey()));
                    raw(':');
                    value(e.getValue());
                }
                raw('}');
            } else if (v instanceof Collection<?> c) {
                raw('[');
                boolean first = true;
                for (Object o : c) {
                    if (!first) {
                        raw(',');
                    }
                    first = false;
                    value(o);
                }
                raw(']');
            } else {
                string(v.toString());
            }
        }
    }
}
