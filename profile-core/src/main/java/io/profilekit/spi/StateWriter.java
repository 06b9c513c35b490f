package io.profilekit.spi;

import com.fasterxml.jackson.core.JsonGenerator;
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

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link ProfileState} (and its parts) with a Jackson generator: the streaming reference
 * for the format of {@link ProfileStateCodec}, which {@link FastStateWriter} must match byte for
 * byte, and the writer of sessions' aggregates.
 */
final class StateWriter {
    private StateWriter() {
    }

    static void write(JsonGenerator g, ProfileState s) throws IOException {
        g.writeStartObject();
        g.writeNumberField("v", ProfileStateCodec.FORMAT_VERSION);
        g.writeStringField("user", s.userId());
        g.writeNumberField("version", s.version());
        if (s.lastEventTime() != ProfileState.NONE) {
            g.writeNumberField("last", s.lastEventTime());
        }
        if (!s.attributes().isEmpty()) {
            g.writeObjectFieldStart("attrs");
            for (String name : sortedKeys(s.attributes())) {
                g.writeFieldName(name);
                writeOperation(g, name, s.attributes().get(name));
            }
            g.writeEndObject();
        }
        SeenEvents seen = s.seenEvents();
        if (seen.size() > 0) {
            writeSeen(g, seen);
        }
        if (!s.fences().isEmpty()) {
            g.writeObjectFieldStart("fences");
            for (String source : sortedKeys(s.fences())) {
                g.writeNumberField(source, s.fences().get(source));
            }
            g.writeEndObject();
        }
        if (s.erasedAt() != ProfileState.NONE) {
            g.writeNumberField("erased", s.erasedAt());
        }
        g.writeEndObject();
    }

    /**
     * The seen set as one base64 string: for each id in order, its event time as the zigzag
     * varint of the difference to the previous one's (to 0 for the first), then its hash as 8
     * bytes big-endian. About 10 bytes an id before base64, and one pass each way.
     */
    private static void writeSeen(JsonGenerator g, SeenEvents seen) throws IOException {
        g.writeFieldName("seen");
        byte[] blob = new byte[seen.size() * 18];
        byte[] text = java.util.Base64.getEncoder().encode(Arrays.copyOf(blob, seenBlob(seen, blob)));
        g.writeRawUTF8String(text, 0, text.length);
    }

    /** Writes the seen set's bytes into {@code blob} (room for 18 bytes an id); returns how many. */
    static int seenBlob(SeenEvents seen, byte[] blob) {
        int n = seen.size();
        int at = 0;
        long previous = 0;
        for (int i = 0; i < n; i++) {
            long t = seen.time(i);
            long d = t - previous; // wraps like the reader's sum, so any longs come back exactly
            previous = t;
            for (long z = (d << 1) ^ (d >> 63); ; z >>>= 7) {
                if ((z & ~0x7FL) == 0) {
                    blob[at++] = (byte) z;
                    break;
                }
                blob[at++] = (byte) ((z & 0x7F) | 0x80);
            }
            long h = seen.hash(i);
            for (int b = 0; b < 8; b++) {
                blob[at++] = (byte) (h >>> (56 - 8 * b));
            }
        }
        return at;
    }

    /** Names in order, so that equal states give equal bytes. */
    static String[] sortedKeys(Map<String, ?> map) {
        String[] keys = map.keySet().toArray(new String[0]);
        Arrays.sort(keys);
        return keys;
    }

    /**
     * A value map's keys (strings, as the caller checked) sorted, so that equal maps give equal
     * bytes whatever order their keys were put in; {@code sorted}: they already are.
     */
    static Iterable<?> keysInOrder(Map<?, ?> map, boolean sorted) {
        if (sorted) {
            return map.keySet();
        }
        Object[] keys = map.keySet().toArray();
        Arrays.sort(keys);
        return Arrays.asList(keys);
    }

    static void writeOperation(JsonGenerator g, String name, Operation op) throws IOException {
        g.writeStartObject();
        g.writeStringField(ProfileStateCodec.KIND, op.kind());
        if (op instanceof LastWrite w) {
            writeValueField(g, name, "val", w.value());
            if (!w.present()) {
                g.writeBooleanField("unset", true);
            }
            g.writeNumberField("t", w.time());
            g.writeNumberField("tie", w.tie());
        } else if (op instanceof FirstWrite w) {
            writeValueField(g, name, "val", w.value());
            g.writeNumberField("t", w.time());
            g.writeNumberField("tie", w.tie());
        } else if (op instanceof Counter c) {
            g.writeNumberField("n", c.value());
            g.writeNumberField("t", c.updatedAt());
        } else if (op instanceof DecimalSum d) {
            g.writeStringField("n", d.value().toString());
            g.writeNumberField("t", d.updatedAt());
        } else if (op instanceof Extremum x) {
            writeValueField(g, name, "n", x.value());
            g.writeNumberField("t", x.updatedAt());
        } else if (op instanceof RecentValues r) {
            g.writeNumberField("cap", r.capacity());
            g.writeArrayFieldStart("e");
            for (RecentValues.Entry e : r.entries()) {
                g.writeStartArray();
                writeValue(g, name, e.value());
                g.writeNumber(e.time());
                g.writeNumber(e.tie());
                g.writeEndArray();
            }
            g.writeEndArray();
        } else if (op instanceof CappedSet c) {
            g.writeNumberField("cap", c.capacity());
            g.writeArrayFieldStart("m");
            for (CappedSet.Member m : c.members()) {
                g.writeStartArray();
                writeValue(g, name, m.value());
                g.writeNumber(m.lastSeen());
                g.writeEndArray();
            }
            g.writeEndArray();
        } else if (op instanceof DecayingScore d) {
            g.writeNumberField("hl", d.halfLifeMillis());
            writeLongs(g, "b", d.buckets());
            writeLongs(g, "s", d.sums());
            g.writeNumberField("t", d.updatedAt());
        } else if (op instanceof WindowedCount w) {
            g.writeNumberField("w", w.windowMillis());
            g.writeNumberField("bl", w.bucketMillis());
            writeLongs(g, "b", w.buckets());
            writeLongs(g, "c", w.counts());
            g.writeNumberField("t", w.updatedAt());
        } else if (op instanceof TopValues t) {
            g.writeNumberField("n", t.n());
            g.writeNumberField("cap", t.capacity());
            g.writeArrayFieldStart("c");
            for (TopValues.Count c : t.counts()) {
                g.writeStartArray();
                writeValue(g, name, c.value());
                g.writeNumber(c.count());
                g.writeNumber(c.lastSeen());
                g.writeEndArray();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void writeLongs(JsonGenerator g, String field, long[] values) throws IOException {
        g.writeFieldName(field);
        g.writeArray(values, 0, values.length);
    }

    private static void writeValueField(JsonGenerator g, String attr, String field, Object value) throws IOException {
        g.writeFieldName(field);
        writeValue(g, attr, value);
    }

    static void writeValue(JsonGenerator g, String attr, Object value) throws IOException {
        if (value == null) {
            g.writeNull();
        } else if (value instanceof String s) {
            g.writeString(s);
        } else if (value instanceof Long l) {
            g.writeNumber(l);
        } else if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            g.writeNumber(((Number) value).longValue());
        } else if (value instanceof Double d) {
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("attribute " + attr + ": cannot store the non-finite number " + d);
            }
            g.writeNumber(d);
        } else if (value instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (value instanceof BigDecimal d) {
            g.writeStartObject();
            g.writeStringField("$d", d.toString());
            g.writeEndObject();
        } else if (value instanceof Instant t) {
            g.writeStartObject();
            g.writeStringField("$t", t.toString());
            g.writeEndObject();
        } else if (value instanceof List<?> list) {
            g.writeStartArray();
            for (Object o : list) {
                writeValue(g, attr, o);
            }
            g.writeEndArray();
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
            g.writeStartObject();
            if (wrap) {
                g.writeObjectFieldStart("$m");
            }
            for (Object key : keysInOrder(map, sorted)) {
                g.writeFieldName((String) key);
                writeValue(g, attr, map.get(key));
            }
            if (wrap) {
                g.writeEndObject();
            }
            g.writeEndObject();
        } else {
            throw new IllegalArgumentException("attribute " + attr + ": cannot store a value of type "
                    + value.getClass().getName() + " (use String, Long, Double, BigDecimal, Boolean, Instant, List, Map or null)");
        }
    }
}
