package io.profilekit.spi;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
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
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Turns a {@link ProfileState} into versioned JSON and back, exactly: every operation family, and
 * every value type ({@code Long}, {@code Double}, {@code BigDecimal}, {@code Instant} come back as
 * the same type with the same value, a {@code BigDecimal} with the same scale). For stores that keep
 * profiles as bytes; the text is meant to be readable with {@code redis-cli} or {@code jq}.
 *
 * <pre>{@code
 * {"v":2,"user":"u42","version":7,"last":1717171717000,
 *  "attrs":{"purchases":{"k":"counter","n":3,"t":1717171717000},
 *           "total":{"k":"sum","n":"59.90","t":1717171717000},
 *           "plan":{"k":"set","val":"pro","t":1717171700000,"tie":-8817166447218462375}},
 *  "seen":"ho7I9vljAAAAAAAAACoK//////////cAAAAAAAAAABE=","fences":{"events-3":1041}}
 * }</pre>
 *
 * <p>Values: strings, booleans, null, lists and objects are plain JSON; a {@code Long} is a JSON
 * integer and a {@code Double} a JSON number with a fraction or exponent; a {@code BigDecimal} is
 * {@code {"$d":"59.90"}}, an {@code Instant} {@code {"$t":"2024-06-01T12:00:00.123456789Z"}}, and an
 * object with a key starting with {@code $} is wrapped as {@code {"$m":{...}}}. Times of operations
 * and of the profile ({@code t}, {@code last}, {@code erased}) are epoch milliseconds; fields of the
 * profile holding no time are left out. Attributes and fences are written sorted by name, so equal
 * states give equal bytes. The recent event ids in {@code seen} are bookkeeping, kept compact as
 * one base64 string: per id, its event time as a zigzag varint of the difference to the previous
 * id's, then its 64-bit hash as 8 bytes big-endian (see them with
 * {@code jq -r .seen | base64 -d | xxd}). The format version is {@value #FORMAT_VERSION}; a reader
 * also reads version 1 (where {@code seen} is a list of {@code [time, hash]} pairs) and refuses
 * versions it does not know.
 *
 * <p>Thread-safe; keeps one output buffer (4 to 64 KiB) per thread that encodes.
 */
public final class ProfileStateCodec {
    /** The version written in field {@code v}. */
    public static final int FORMAT_VERSION = 2;

    static final JsonFactory JSON = JsonFactory.builder().build();

    private ProfileStateCodec() {
    }

    /**
     * Encodes a state as UTF-8 JSON.
     *
     * @throws IllegalArgumentException when an attribute holds a value that is not JSON-like
     *                                  (see {@link io.profilekit.op.Operation}), or a non-finite double
     */
    public static byte[] encode(ProfileState state) {
        Output out = OUTPUT.get();
        out.size = 0;
        try (JsonGenerator g = JSON.createGenerator(out)) {
            StateWriter.write(g, state);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] json = Arrays.copyOf(out.bytes, out.size);
        if (out.bytes.length > KEPT_BUFFER) {
            out.bytes = new byte[4096]; // a rare huge state does not pin its buffer to the thread
        }
        return json;
    }

    private static final int KEPT_BUFFER = 64 * 1024;

    /** Each thread's output buffer: encoding copies the generator's bytes into it once, then out. */
    private static final ThreadLocal<Output> OUTPUT = ThreadLocal.withInitial(Output::new);

    private static final class Output extends OutputStream {
        byte[] bytes = new byte[4096];
        int size;

        @Override
        public void write(int b) {
            ensure(1);
            bytes[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, bytes, size, len);
            size += len;
        }

        private void ensure(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }
    }

    /** Encodes a state as a JSON string; see {@link #encode}. */
    public static String encodeToString(ProfileState state) {
        return new String(encode(state), StandardCharsets.UTF_8);
    }

    /**
     * Decodes UTF-8 JSON written by {@link #encode}.
     *
     * @throws IllegalArgumentException when the input is not such JSON; the message says where
     *                                  (for example {@code attrs.visits.n}) and what was wrong
     */
    public static ProfileState decode(byte[] json) {
        try (JsonParser p = JSON.createParser(json)) {
            return new StateReader(p).read();
        } catch (IOException e) {
            throw new IllegalArgumentException("profile state: not valid JSON: " + e.getMessage(), e);
        }
    }

    /** Decodes a JSON string; see {@link #decode(byte[])}. */
    public static ProfileState decode(String json) {
        return decode(json.getBytes(StandardCharsets.UTF_8));
    }

    /** The JSON field holding each operation family's name ({@link Operation#kind()}). */
    static final String KIND = "k";

    static final class StateWriter {
        private StateWriter() {
        }

        static void write(JsonGenerator g, ProfileState s) throws IOException {
            g.writeStartObject();
            g.writeNumberField("v", FORMAT_VERSION);
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
            int n = seen.size();
            byte[] blob = new byte[n * 18];
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
            g.writeFieldName("seen");
            byte[] text = java.util.Base64.getEncoder().encode(Arrays.copyOf(blob, at));
            g.writeRawUTF8String(text, 0, text.length);
        }

        /** Names in order, so that equal states give equal bytes. */
        private static String[] sortedKeys(Map<String, ?> map) {
            String[] keys = map.keySet().toArray(new String[0]);
            Arrays.sort(keys);
            return keys;
        }

        static void writeOperation(JsonGenerator g, String name, Operation op) throws IOException {
            g.writeStartObject();
            g.writeStringField(KIND, op.kind());
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
                for (Object k : map.keySet()) {
                    if (!(k instanceof String key)) {
                        throw new IllegalArgumentException("attribute " + attr + ": object keys must be strings, got "
                                + (k == null ? "null" : k.getClass().getName()));
                    }
                    wrap |= key.startsWith("$");
                }
                g.writeStartObject();
                if (wrap) {
                    g.writeObjectFieldStart("$m");
                }
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    g.writeFieldName((String) e.getKey());
                    writeValue(g, attr, e.getValue());
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
}
