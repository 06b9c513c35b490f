package io.profilekit.internal;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * A growable UTF-8 output for hand-written JSON: the same bytes as Jackson's UTF-8 generator
 * writes for strings and longs, straight into a reused buffer, with no generator state and no
 * intermediate strings for numbers. The writer of the stored profile state and the encoder of
 * change records build on it. Not part of the API; not thread-safe.
 */
public class JsonBytes {
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

    /** The output so far: bytes {@code [0, size)} of {@code buf}. */
    protected byte[] buf;
    protected int size;

    /** An empty output with room for {@code capacity} bytes before it grows. */
    public JsonBytes(int capacity) {
        this.buf = new byte[Math.max(1, capacity)];
    }

    /** Empties the output, keeping its buffer. */
    public final void reset() {
        size = 0;
    }

    /** The number of bytes written since the last {@link #reset()}. */
    public final int size() {
        return size;
    }

    /** A copy of the bytes written since the last {@link #reset()}. */
    public final byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    /**
     * Lets go of the buffer if it grew beyond {@code maxKept} bytes, so a rare huge output does not
     * pin its memory to a long-lived writer; the output is then empty, else it is left as it is.
     * Call it once the output was copied out.
     */
    public final void release(int maxKept) {
        if (buf.length > maxKept) {
            buf = new byte[Math.min(maxKept, 4096)];
            size = 0;
        }
    }

    /** Makes room for {@code more} bytes after {@code size}. */
    protected final void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }

    /** ASCII text with nothing to escape (field names and punctuation of the format). */
    @SuppressWarnings("deprecation") // the char-to-byte copy is exactly right for ASCII, and a block copy
    public final void raw(String ascii) {
        int n = ascii.length();
        ensure(n);
        ascii.getBytes(0, n, buf, size);
        size += n;
    }

    /** Bytes {@code [from, to)} of {@code src}, as they are (JSON written before). */
    public final void raw(byte[] src, int from, int to) {
        int n = to - from;
        ensure(n);
        System.arraycopy(src, from, buf, size, n);
        size += n;
    }

    /** One ASCII char. */
    public final void raw(char c) {
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
    public final void number(long v) {
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
    public final void string(String s) {
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
    public final void base64(byte[] in, int n) {
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

    /**
     * The plain JSON of a scalar: {@code null}, a {@code String}, a {@code Long}, a {@code Boolean},
     * a {@code BigDecimal} as a JSON number, an {@code Instant} as an ISO-8601 string. Returns false,
     * writing nothing, for any other value (doubles among them: how they are spelled is the
     * caller's choice).
     */
    public final boolean plainScalar(Object v) {
        if (v == null) {
            raw("null");
        } else if (v instanceof String s) {
            string(s);
        } else if (v instanceof Long l) {
            number(l);
        } else if (v instanceof Boolean b) {
            raw(b ? "true" : "false");
        } else if (v instanceof BigDecimal bd) {
            raw(bd.toString());
        } else if (v instanceof Instant i) {
            raw('"');
            isoInstant(i);
            raw('"');
        } else {
            return false;
        }
        return true;
    }

    /**
     * An instant as {@link IsoInstant} writes it (ISO-8601 in UTC, no quotes); a year beyond
     * 0000-9999 as {@code Instant.toString()} writes it.
     */
    public final void isoInstant(Instant t) {
        ensure(32);
        int end = IsoInstant.format(t, buf, size);
        if (end < 0) {
            raw(t.toString()); // ASCII, nothing to escape
        } else {
            size = end;
        }
    }
}
