package io.profilekit.spi;

import io.profilekit.internal.JsonBytes;
import io.profilekit.internal.SortedAttributes;
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
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Writes the same bytes as Jackson's UTF-8 generator would for the fixed structure of a
 * {@link ProfileState}, on a {@link JsonBytes} output.
 */
final class FastStateWriter extends JsonBytes {
    /** Room for the seen set's bytes before base64. */
    private byte[] scratch = new byte[1024];

    FastStateWriter(int capacity) {
        super(capacity);
    }

    void write(ProfileState s) {
        raw("{\"v\":");
        number(ProfileStateCodec.FORMAT_VERSION);
        raw(",\"user\":");
        string(s.userId());
        raw(",\"version\":");
        number(s.version());
        if (s.lastEventTime() != ProfileState.NONE) {
            raw(",\"last\":");
            number(s.lastEventTime());
        }
        // a ProfileState's attributes are always SortedAttributes: in name order already
        SortedAttributes attrs = SortedAttributes.copyOf(s.attributes());
        if (!attrs.isEmpty()) {
            raw(",\"attrs\":{");
            for (int i = 0, n = attrs.size(); i < n; i++) {
                if (i > 0) {
                    raw(',');
                }
                string(attrs.name(i));
                raw(':');
                if (!attrs.writeAsRead(i, this)) {
                    operation(attrs.name(i), attrs.operation(i));
                }
            }
            raw('}');
            attrs.forgetReadFrom(); // written: the JSON it came from need not stay in memory with it
        }
        SeenEvents seen = s.seenEvents();
        if (seen.size() > 0) {
            raw(",\"seen\":\"");
            if (scratch.length < seen.size() * 18) {
                scratch = new byte[Math.max(seen.size() * 18, scratch.length * 2)];
            }
            base64(scratch, StateWriter.seenBlob(seen, scratch));
            raw('"');
        }
        Map<String, Long> fences = s.fences();
        if (!fences.isEmpty()) {
            raw(",\"fences\":{");
            boolean first = true;
            for (String source : StateWriter.sortedKeys(fences)) {
                if (!first) {
                    raw(',');
                }
                first = false;
                string(source);
                raw(':');
                number(fences.get(source));
            }
            raw('}');
        }
        if (s.erasedAt() != ProfileState.NONE) {
            raw(",\"erased\":");
            number(s.erasedAt());
        }
        raw('}');
    }

    private void field(String nameAndColon, long v) {
        raw(nameAndColon);
        number(v);
    }

    void operation(String name, Operation op) {
        raw("{\"k\":");
        string(op.kind());
        if (op instanceof LastWrite w) {
            raw(",\"val\":");
            value(name, w.value());
            if (!w.present()) {
                raw(",\"unset\":true");
            }
            field(",\"t\":", w.time());
            field(",\"tie\":", w.tie());
        } else if (op instanceof FirstWrite w) {
            raw(",\"val\":");
            value(name, w.value());
            field(",\"t\":", w.time());
            field(",\"tie\":", w.tie());
        } else if (op instanceof Counter c) {
            field(",\"n\":", c.value());
            field(",\"t\":", c.updatedAt());
        } else if (op instanceof DecimalSum d) {
            raw(",\"n\":");
            string(d.value().toString());
            field(",\"t\":", d.updatedAt());
        } else if (op instanceof Extremum x) {
            raw(",\"n\":");
            value(name, x.value());
            field(",\"t\":", x.updatedAt());
        } else if (op instanceof RecentValues r) {
            field(",\"cap\":", r.capacity());
            raw(",\"e\":[");
            boolean first = true;
            for (RecentValues.Entry e : r.entries()) {
                raw(first ? "[" : ",[");
                first = false;
                value(name, e.value());
                field(",", e.time());
                field(",", e.tie());
                raw(']');
            }
            raw(']');
        } else if (op instanceof CappedSet c) {
            field(",\"cap\":", c.capacity());
            raw(",\"m\":[");
            boolean first = true;
            for (CappedSet.Member m : c.members()) {
                raw(first ? "[" : ",[");
                first = false;
                value(name, m.value());
                field(",", m.lastSeen());
                raw(']');
            }
            raw(']');
        } else if (op instanceof DecayingScore d) {
            field(",\"hl\":", d.halfLifeMillis());
            longs(",\"b\":", d.buckets());
            longs(",\"s\":", d.sums());
            field(",\"t\":", d.updatedAt());
        } else if (op instanceof WindowedCount w) {
            field(",\"w\":", w.windowMillis());
            field(",\"bl\":", w.bucketMillis());
            longs(",\"b\":", w.buckets());
            longs(",\"c\":", w.counts());
            field(",\"t\":", w.updatedAt());
        } else if (op instanceof TopValues t) {
            field(",\"n\":", t.n());
            field(",\"cap\":", t.capacity());
            raw(",\"c\":[");
            boolean first = true;
            for (TopValues.Count c : t.counts()) {
                raw(first ? "[" : ",[");
                first = false;
                value(name, c.value());
                field(",", c.count());
                field(",", c.lastSeen());
                raw(']');
            }
            raw(']');
        }
        raw('}');
    }

    private void longs(String nameAndColon, long[] values) {
        raw(nameAndColon);
        raw('[');
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                raw(',');
            }
            number(values[i]);
        }
        raw(']');
    }

    void value(String attr, Object value) {
        if (value == null) {
            raw("null");
        } else if (value instanceof String s) {
            string(s);
        } else if (value instanceof Long l) {
            number(l);
        } else if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            number(((Number) value).longValue());
        } else if (value instanceof Double d) {
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("attribute " + attr + ": cannot store the non-finite number " + d);
            }
            raw(Double.toString(d));
        } else if (value instanceof Boolean b) {
            raw(b ? "true" : "false");
        } else if (value instanceof BigDecimal d) {
            raw("{\"$d\":");
            string(d.toString());
            raw('}');
        } else if (value instanceof Instant t) {
            raw("{\"$t\":\"");
            isoInstant(t);
            raw("\"}");
        } else if (value instanceof List<?> list) {
            raw('[');
            boolean first = true;
            for (Object o : list) {
                if (!first) {
                    raw(',');
                }
                first = false;
                value(attr, o);
            }
            raw(']');
        } else if (value instanceof Map<?, ?> map) {
            boolean wrap = false;
            boolean sorted = true;
            String previous = null;
            for (Object k : map.keySet()) {
                if (!(k instanceof String key)) {
                    throw new IllegalArgumentException("attribute " + attr + ": object keys must be strings, got "
                            + (k == null ? "null" : k.getClass().getName()));
                }
                wrap |= key.startsWith("$");
                sorted &= previous == null || previous.compareTo(key) < 0;
                previous = key;
            }
            raw(wrap ? "{\"$m\":{" : "{");
            boolean first = true;
            for (Object key : StateWriter.keysInOrder(map, sorted)) {
                if (!first) {
                    raw(',');
                }
                first = false;
                string((String) key);
                raw(':');
                value(attr, map.get(key));
            }
            raw(wrap ? "}}" : "}");
        } else {
            throw new IllegalArgumentException("attribute " + attr + ": cannot store a value of type "
                    + value.getClass().getName() + " (use String, Long, Double, BigDecimal, Boolean, Instant, List, Map or null)");
        }
    }
}
