package io.profilekit.spi;

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

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes the same bytes as Jackson's UTF-8 generator would for the fixed structure, straight
 * into a reused buffer: no generator state, no intermediate strings for numbers.
 */
final class FastStateWriter {
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

    FastStateWriter(byte[] buf) {
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
