package io.profilekit.spi;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import io.profilekit.internal.IsoInstant;
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

import java.io.IOException;
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
 * <p>The JSON is written by hand (the same bytes Jackson's generator gave) and read back by a
 * parser made for exactly that layout; input in any other shape (format 1, whitespace, fields in
 * another order) or with an error goes to a streaming Jackson reader, which reads it or names
 * where and what is wrong.
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
        FastWriter out = WRITER.get();
        out.size = 0;
        out.write(state);
        byte[] json = Arrays.copyOf(out.buf, out.size);
        if (out.buf.length > KEPT_BUFFER) {
            out.buf = new byte[4096]; // a rare huge state does not pin its buffer to the thread
        }
        return json;
    }

    private static final int KEPT_BUFFER = 64 * 1024;

    /** Each thread's writer and its output buffer. */
    private static final ThreadLocal<FastWriter> WRITER = ThreadLocal.withInitial(() -> new FastWriter(new byte[4096]));

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
        ProfileState fast = FastStateReader.tryRead(json);
        return fast != null ? fast : decodeStreaming(json);
    }

    /** The streaming reader alone: slower, and says where and what is wrong. */
    static ProfileState decodeStreaming(byte[] json) {
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

    /**
     * Writes the same bytes as Jackson's UTF-8 generator would for the fixed structure, straight
     * into a reused buffer: no generator state, no intermediate strings for numbers.
     */
    static final class FastWriter {
        private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
        /** Per ASCII char: 0 written as is, -1 as a \\u00XX escape, else the char after a backslash. */
        private static final int[] ESCAPES = new int[128];

        static {
            for (int i = 0; i < 32; i++) {
                ESCAPES[i] = -1;
            }
            ESCAPES['"'] = '"';
            ESCAPES['\\'] = '\\';
            ESCAPES['\b'] = 'b';
            ESCAPES['\t'] = 't';
            ESCAPES['\f'] = 'f';
            ESCAPES['\n'] = 'n';
            ESCAPES['\r'] = 'r';
        }

        byte[] buf;
        int size;
        /** Room for the seen set's bytes before base64. */
        private byte[] scratch = new byte[1024];

        FastWriter(byte[] buf) {
            this.buf = buf;
        }

        private void ensure(int more) {
            if (size + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
            }
        }

        /** ASCII text with nothing to escape (field names and punctuation of the format). */
        @SuppressWarnings("deprecation") // the char-to-byte copy is exactly right for ASCII, and a block copy
        void raw(String ascii) {
            int n = ascii.length();
            ensure(n);
            ascii.getBytes(0, n, buf, size);
            size += n;
        }

        void raw(char c) {
            ensure(1);
            buf[size++] = (byte) c;
        }

        /** "00" to "99", two ASCII digits per value. */
        private static final byte[] PAIRS = new byte[200];

        static {
            for (int i = 0; i < 100; i++) {
                PAIRS[2 * i] = (byte) ('0' + i / 10);
                PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
            }
        }

        /**
         * A long in decimal, as {@code Long.toString} writes it: split into parts of eight digits
         * by at most two long divisions, each part written two digits at a time in int arithmetic.
         */
        void number(long v) {
            ensure(20);
            if (v < 0) {
                if (v == Long.MIN_VALUE) {
                    raw("-9223372036854775808");
                    return;
                }
                buf[size++] = '-';
                v = -v;
            }
            if (v < EIGHT_DIGITS) {
                digits((int) v);
                return;
            }
            long high = v / EIGHT_DIGITS;
            int low = (int) (v - high * EIGHT_DIGITS);
            if (high < EIGHT_DIGITS) {
                digits((int) high);
            } else {
                long top = high / EIGHT_DIGITS; // at most 922
                digits((int) top);
                eightDigits((int) (high - top * EIGHT_DIGITS));
            }
            eightDigits(low);
        }

        private static final long EIGHT_DIGITS = 100_000_000L;

        /** {@code 0 <= v < 10^9} in decimal, without leading zeros. */
        private void digits(int v) {
            int n = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10_000 ? 4 : v < 100_000 ? 5
                    : v < 1_000_000 ? 6 : v < 10_000_000 ? 7 : v < 100_000_000 ? 8 : 9;
            int i = size + n;
            size = i;
            while (v >= 100) {
                int q = v / 100;
                int r = v - q * 100;
                v = q;
                buf[--i] = PAIRS[2 * r + 1];
                buf[--i] = PAIRS[2 * r];
            }
            if (v >= 10) {
                buf[--i] = PAIRS[2 * v + 1];
                buf[--i] = PAIRS[2 * v];
            } else {
                buf[--i] = (byte) ('0' + v);
            }
        }

        /** {@code 0 <= v < 10^8} as exactly eight digits, with leading zeros. */
        private void eightDigits(int v) {
            int upper = v / 10_000;
            int lower = v - upper * 10_000;
            int a = upper / 100;
            int b = upper - a * 100;
            int c = lower / 100;
            int d = lower - c * 100;
            byte[] out = buf;
            int at = size;
            out[at] = PAIRS[2 * a];
            out[at + 1] = PAIRS[2 * a + 1];
            out[at + 2] = PAIRS[2 * b];
            out[at + 3] = PAIRS[2 * b + 1];
            out[at + 4] = PAIRS[2 * c];
            out[at + 5] = PAIRS[2 * c + 1];
            out[at + 6] = PAIRS[2 * d];
            out[at + 7] = PAIRS[2 * d + 1];
            size = at + 8;
        }

        /** A JSON string: quotes and control characters escaped as Jackson does, surrogates as \\uXXXX. */
        void string(String s) {
            int n = s.length();
            ensure(n + 2);
            byte[] out = buf;
            int at = size;
            out[at++] = '"';
            int i = 0;
            // the common case, printable ASCII with nothing to escape: one check and one store a char
            for (; i < n; i++) {
                char c = s.charAt(i);
                if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
                    break;
                }
                out[at++] = (byte) c;
            }
            size = at;
            if (i < n) {
                rest(s, i);
            }
            ensure(1);
            buf[size++] = '"';
        }

        /** The chars of {@code s} from {@code i} on, escaped and UTF-8 encoded. */
        private void rest(String s, int i) {
            for (int n = s.length(); i < n; i++) {
                char c = s.charAt(i);
                if (c < 128) {
                    int e = ESCAPES[c];
                    if (e == 0) {
                        ensure(1);
                        buf[size++] = (byte) c;
                    } else if (e > 0) {
                        ensure(2);
                        buf[size++] = '\\';
                        buf[size++] = (byte) e;
                    } else {
                        escape(c);
                    }
                } else if (c < 0x800) {
                    ensure(2);
                    buf[size++] = (byte) (0xc0 | (c >> 6));
                    buf[size++] = (byte) (0x80 | (c & 0x3f));
                } else if (Character.isSurrogate(c)) {
                    escape(c);
                } else {
                    ensure(3);
                    buf[size++] = (byte) (0xe0 | (c >> 12));
                    buf[size++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                    buf[size++] = (byte) (0x80 | (c & 0x3f));
                }
            }
        }

        private void escape(char c) {
            ensure(6);
            buf[size++] = '\\';
            buf[size++] = 'u';
            buf[size++] = HEX[(c >> 12) & 0xF];
            buf[size++] = HEX[(c >> 8) & 0xF];
            buf[size++] = HEX[(c >> 4) & 0xF];
            buf[size++] = HEX[c & 0xF];
        }

        private static final byte[] BASE64 =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".getBytes(StandardCharsets.US_ASCII);

        /** Standard base64 with padding, as {@code java.util.Base64.getEncoder()} writes it. */
        void base64(byte[] in, int n) {
            ensure((n + 2) / 3 * 4);
            int i = 0;
            for (; i + 3 <= n; i += 3) {
                int v = (in[i] & 0xff) << 16 | (in[i + 1] & 0xff) << 8 | (in[i + 2] & 0xff);
                buf[size++] = BASE64[v >>> 18];
                buf[size++] = BASE64[(v >>> 12) & 63];
                buf[size++] = BASE64[(v >>> 6) & 63];
                buf[size++] = BASE64[v & 63];
            }
            if (i < n) {
                int v = (in[i] & 0xff) << 16 | (i + 1 < n ? (in[i + 1] & 0xff) << 8 : 0);
                buf[size++] = BASE64[v >>> 18];
                buf[size++] = BASE64[(v >>> 12) & 63];
                buf[size++] = i + 1 < n ? BASE64[(v >>> 6) & 63] : (byte) '=';
                buf[size++] = '=';
            }
        }

        void write(ProfileState s) {
            raw("{\"v\":");
            number(FORMAT_VERSION);
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
                    operation(attrs.name(i), attrs.operation(i));
                }
                raw('}');
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
                ensure(32);
                int end = IsoInstant.format(t, buf, size);
                if (end < 0) {
                    raw(t.toString()); // a year beyond 0000-9999: ASCII, nothing to escape
                } else {
                    size = end;
                }
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
                for (Object k : map.keySet()) {
                    if (!(k instanceof String key)) {
                        throw new IllegalArgumentException("attribute " + attr + ": object keys must be strings, got "
                                + (k == null ? "null" : k.getClass().getName()));
                    }
                    wrap |= key.startsWith("$");
                }
                raw(wrap ? "{\"$m\":{" : "{");
                boolean first = true;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (!first) {
                        raw(',');
                    }
                    first = false;
                    string((String) e.getKey());
                    raw(':');
                    value(attr, e.getValue());
                }
                raw(wrap ? "}}" : "}");
            } else {
                throw new IllegalArgumentException("attribute " + attr + ": cannot store a value of type "
                        + value.getClass().getName() + " (use String, Long, Double, BigDecimal, Boolean, Instant, List, Map or null)");
            }
        }
    }
}
