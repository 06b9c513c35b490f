package io.profilekit.spi;

import io.profilekit.internal.IsoInstant;
import io.profilekit.internal.JsonValues;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parser for exactly the layout {@link ProfileStateCodec#encode} writes (format 2: fields in
 * their order, no whitespace), straight from the bytes. Anything else, including anything wrong,
 * makes it give up ({@code null}); the streaming reader then reads the input again and either
 * accepts it or says what is wrong and where. So both accept and return the same.
 */
final class FastStateReader {
    /** Thrown to give up; no stack trace, one instance. */
    private static final RuntimeException GIVE_UP = new RuntimeException("not the canonical layout", null, false, false) {
    };
    private static final int MAX_DEPTH = 64;
    private static final int MAX_NUMBER = 64;
    /** Strict JSON number grammar. */
    private static final java.util.regex.Pattern JSON_NUMBER =
            java.util.regex.Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

    private final byte[] in;
    private int at;
    private int depth;
    /**
     * Whether the operation being read is spelled as {@link FastStateWriter} writes it; cleared by
     * any other spelling this reader accepts (an escape, a 4-byte UTF-8 sequence, {@code -0}, a
     * double, decimal or instant in another form, a {@code $m} wrap that was not needed or missing),
     * so that only canonical text is copied back by {@link SortedAttributes#writeAsRead}.
     */
    private boolean canonical;

    private FastStateReader(byte[] in) {
        this.in = in;
    }

    /** The state, or null when the input is not in the canonical layout (or not valid). */
    static ProfileState tryRead(byte[] json) {
        try {
            return new FastStateReader(json).state();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private ProfileState state() {
        expect("{\"v\":");
        if (readLong() != ProfileStateCodec.FORMAT_VERSION) {
            throw GIVE_UP;
        }
        expect(",\"user\":");
        String user = readString();
        expect(",\"version\":");
        long version = readLong();
        if (version < 0) {
            throw GIVE_UP;
        }
        long last = ProfileState.NONE;
        if (skip(",\"last\":")) {
            last = readLong();
        }
        Map<String, Operation> attrs = Map.of();
        if (skip(",\"attrs\":{")) {
            String[] names = new String[16];
            Operation[] ops = new Operation[16];
            int[] spans = new int[32];
            int n = 0;
            do {
                if (n == names.length) {
                    names = Arrays.copyOf(names, n * 2);
                    ops = Arrays.copyOf(ops, n * 2);
                    spans = Arrays.copyOf(spans, n * 4);
                }
                names[n] = name(readString());
                expect(':');
                canonical = true;
                spans[2 * n] = at;
                ops[n] = operation();
                spans[2 * n + 1] = canonical ? at : -1; // -1: encode it again rather than copy it
                n++;
            } while (skip(','));
            int attrsEnd = at;
            expect('}');
            // the canonical layout has them in strictly increasing order; anything else (a
            // duplicate name included) is left to the streaming reader
            SortedAttributes sorted = SortedAttributes.adoptSorted(names, ops, n);
            if (sorted == null) {
                throw GIVE_UP;
            }
            // a copy of the attributes' bytes (the caller may reuse its array), spans shifted to it
            int first = spans[0];
            for (int i = 0; i < 2 * n; i++) {
                if (spans[i] >= 0) {
                    spans[i] -= first;
                }
            }
            sorted.readFrom(Arrays.copyOfRange(in, first, attrsEnd), spans);
            attrs = sorted;
        }
        SeenEvents seen = SeenEvents.empty();
        if (skip(",\"seen\":\"")) {
            seen = seen();
        }
        Map<String, Long> fences = Map.of();
        if (skip(",\"fences\":{")) {
            fences = new HashMap<>();
            do {
                String source = readString();
                expect(':');
                fences.put(source, readLong());
            } while (skip(','));
            expect('}');
        }
        long erased = ProfileState.NONE;
        if (skip(",\"erased\":")) {
            erased = readLong();
        }
        expect('}');
        if (at != in.length) {
            throw GIVE_UP;
        }
        return new ProfileState(user, version, attrs, last, seen, fences, erased);
    }

    /** Recently read attribute names, so that each profile does not hold its own copies. */
    private static final int NAME_CACHE = 256;
    private static final String[] NAMES = new String[NAME_CACHE];

    /**
     * The same String for the same attribute name across profiles: a racy, lossy cache (a slot
     * may be overwritten by another thread; any String in it is a complete, immutable value).
     */
    private static String name(String read) {
        int slot = read.hashCode() & (NAME_CACHE - 1);
        String cached = NAMES[slot];
        if (read.equals(cached)) {
            return cached;
        }
        NAMES[slot] = read;
        return read;
    }

    private SeenEvents seen() {
        int start = at;
        while (in[at] != '"') {
            at++;
        }
        byte[] blob = java.util.Base64.getDecoder().decode(Arrays.copyOfRange(in, start, at));
        at++;
        return StateReader.decodeSeenBlob(blob); // an error makes tryRead give up
    }

    private Operation operation() {
        expect("{\"k\":\"");
        Operation op;
        switch (in[at]) {
            case 'c' -> {
                expect("counter\",\"n\":");
                long n = readLong();
                expect(",\"t\":");
                op = new Counter(n, readLong());
            }
            case 's' -> {
                if (skip("set\",\"val\":")) {
                    Object val = value();
                    boolean present = !skip(",\"unset\":true");
                    expect(",\"t\":");
                    long t = readLong();
                    expect(",\"tie\":");
                    op = new LastWrite(val, present, t, readLong());
                } else if (skip("setOnce\",\"val\":")) {
                    Object val = value();
                    expect(",\"t\":");
                    long t = readLong();
                    expect(",\"tie\":");
                    op = new FirstWrite(val, t, readLong());
                } else if (skip("sum\",\"n\":")) {
                    String text = readString();
                    BigDecimal n = decimal(text);
                    canonical &= n.toString().equals(text);
                    expect(",\"t\":");
                    op = new DecimalSum(n, readLong());
                } else {
                    expect("setAdd\",\"cap\":");
                    int cap = Math.toIntExact(readLong());
                    expect(",\"m\":[");
                    List<CappedSet.Member> members = new ArrayList<>();
                    if (!skip(']')) {
                        do {
                            expect('[');
                            Object v = value();
                            expect(',');
                            members.add(new CappedSet.Member(v, readLong()));
                            expect(']');
                        } while (skip(','));
                        expect(']');
                    }
                    op = new CappedSet(cap, members);
                }
            }
            case 'm' -> {
                boolean max = skip("max\",\"n\":");
                if (!max) {
                    expect("min\",\"n\":");
                }
                Object n = value();
                if (!(n instanceof Long) && !(n instanceof BigDecimal)) {
                    throw GIVE_UP;
                }
                expect(",\"t\":");
                Extremum x = new Extremum(max, (Number) n, readLong());
                canonical &= x.value().equals(n); // 5.0 or {"$d":"5"} is written 5
                op = x;
            }
            case 'r' -> {
                expect("recent\",\"cap\":");
                int cap = Math.toIntExact(readLong());
                expect(",\"e\":[");
                List<RecentValues.Entry> entries = new ArrayList<>();
                if (!skip(']')) {
                    do {
                        expect('[');
                        Object v = value();
                        expect(',');
                        long t = readLong();
                        expect(',');
                        entries.add(new RecentValues.Entry(v, t, readLong()));
                        expect(']');
                    } while (skip(','));
                    expect(']');
                }
                op = new RecentValues(cap, entries);
            }
            case 'd' -> {
                expect("decay\",\"hl\":");
                long hl = readLong();
                expect(",\"b\":");
                long[] b = readLongs();
                expect(",\"s\":");
                long[] s = readLongs();
                expect(",\"t\":");
                op = new DecayingScore(hl, b, s, readLong());
            }
            case 'w' -> {
                expect("window\",\"w\":");
                long w = readLong();
                expect(",\"bl\":");
                long bl = readLong();
                expect(",\"b\":");
                long[] b = readLongs();
                expect(",\"c\":");
                long[] c = readLongs();
                expect(",\"t\":");
                op = new WindowedCount(w, bl, b, c, readLong());
            }
            case 't' -> {
                expect("topN\",\"n\":");
                int n = Math.toIntExact(readLong());
                expect(",\"cap\":");
                int cap = Math.toIntExact(readLong());
                expect(",\"c\":[");
                List<TopValues.Count> counts = new ArrayList<>();
                if (!skip(']')) {
                    do {
                        expect('[');
                        Object v = value();
                        expect(',');
                        long count = readLong();
                        expect(',');
                        counts.add(new TopValues.Count(v, count, readLong()));
                        expect(']');
                    } while (skip(','));
                    expect(']');
                }
                op = new TopValues(n, cap, counts);
            }
            default -> throw GIVE_UP;
        }
        expect('}');
        return op;
    }

    private long[] readLongs() {
        expect('[');
        if (skip(']')) {
            return new long[0];
        }
        long[] out = new long[8];
        int n = 0;
        do {
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
            }
            out[n++] = readLong();
        } while (skip(','));
        expect(']');
        return Arrays.copyOf(out, n);
    }

    private Object value() {
        byte c = in[at];
        switch (c) {
            case '"':
                return readString();
            case 'n':
                expect("null");
                return null;
            case 't':
                expect("true");
                return Boolean.TRUE;
            case 'f':
                expect("false");
                return Boolean.FALSE;
            case '[': {
                enter();
                at++;
                List<Object> list = new ArrayList<>();
                if (!skip(']')) {
                    do {
                        list.add(value());
                    } while (skip(','));
                    expect(']');
                }
                depth--;
                return JsonValues.adoptList(list);
            }
            case '{':
                return object();
            default:
                return number();
        }
    }

    private Object object() {
        enter();
        at++;
        Object out;
        if (skip('}')) {
            out = JsonValues.EMPTY_MAP;
        } else if (skip("\"$d\":")) {
            String text = readString();
            BigDecimal d = decimal(text);
            canonical &= d.toString().equals(text);
            out = d;
            expect('}');
        } else if (skip("\"$t\":")) {
            String text = readString();
            Instant t = IsoInstant.parse(text);
            canonical &= IsoInstant.format(t).equals(text);
            out = t;
            expect('}');
        } else if (skip("\"$m\":{")) {
            enter();
            Map<String, Object> fields = fields();
            canonical &= hasDollarKey(fields); // written wrapped only when a key needs it
            out = fields;
            depth--;
            expect('}');
        } else if (skip("\"$")) {
            throw GIVE_UP; // an unknown tag: the streaming reader says which
        } else {
            Map<String, Object> fields = fields();
            canonical &= !hasDollarKey(fields); // a later key starting with $: it is written wrapped
            out = fields;
        }
        depth--;
        return out;
    }

    private static boolean hasDollarKey(Map<String, Object> fields) {
        for (String k : fields.keySet()) {
            if (k.startsWith("$")) {
                return true;
            }
        }
        return false;
    }

    /** Fields up to and including the closing brace, the opening one already read. */
    /** A decimal within {@link JsonValues#MAX_STORED_DECIMAL_LENGTH}; anything else is left to the streaming reader. */
    private static BigDecimal decimal(String text) {
        BigDecimal d = new BigDecimal(text);
        if (!JsonValues.storableDecimal(d)) {
            throw GIVE_UP;
        }
        return d;
    }

    private Map<String, Object> fields() {
        LinkedHashMap<String, Object> map = new LinkedHashMap<>();
        if (!skip('}')) {
            String previous = null;
            do {
                String name = readString();
                canonical &= previous == null || previous.compareTo(name) < 0; // written sorted
                previous = name;
                expect(':');
                if (map.put(name, value()) != null) {
                    throw GIVE_UP;
                }
            } while (skip(','));
            expect('}');
        }
        return JsonValues.adoptMap(map);
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw GIVE_UP;
        }
    }

    /** A JSON number: a Long when integral and in range, a Double when it has a fraction or exponent. */
    private Object number() {
        int start = at;
        boolean integral = true;
        while (at < in.length) {
            byte b = in[at];
            if ((b >= '0' && b <= '9') || b == '-') {
                at++;
            } else if (b == '.' || b == 'e' || b == 'E' || b == '+') {
                integral = false;
                at++;
            } else {
                break;
            }
        }
        if (integral) {
            at = start;
            return readLong();
        }
        if (at - start > MAX_NUMBER) {
            throw GIVE_UP;
        }
        String text = new String(in, start, at - start, StandardCharsets.US_ASCII);
        // strict JSON grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
        if (!JSON_NUMBER.matcher(text).matches()) {
            throw GIVE_UP;
        }
        double d = Double.parseDouble(text);
        if (Double.isInfinite(d)) {
            throw GIVE_UP; // the streaming reader refuses it
        }
        canonical &= Double.toString(d).equals(text);
        return d;
    }

    /** A JSON integer in the 64-bit range, without leading zeros. */
    private long readLong() {
        boolean negative = in[at] == '-';
        if (negative) {
            at++;
        }
        int start = at;
        long v = 0;
        while (at < in.length) {
            int d = in[at] - '0';
            if (d < 0 || d > 9) {
                break;
            }
            if (v < -922337203685477580L || (v == -922337203685477580L && d > 8)) {
                throw GIVE_UP;
            }
            v = v * 10 - d; // accumulate negatively, so Long.MIN_VALUE fits
            at++;
        }
        int digits = at - start;
        if (digits == 0 || (digits > 1 && in[start] == '0')) {
            throw GIVE_UP;
        }
        if (at < in.length && (in[at] == '.' || in[at] == 'e' || in[at] == 'E')) {
            throw GIVE_UP;
        }
        if (negative) {
            canonical &= v != 0; // -0
            return v;
        }
        if (v == Long.MIN_VALUE) {
            throw GIVE_UP;
        }
        return -v;
    }

    /** A JSON string at the current position. */
    private String readString() {
        if (in[at] != '"') {
            throw GIVE_UP;
        }
        int start = ++at;
        boolean ascii = true;
        while (true) {
            byte b = in[at];
            if (b == '"') {
                break;
            }
            if (b == '\\') {
                at = start;
                return escapedString();
            }
            if (b < 0x20 && b >= 0) {
                throw GIVE_UP; // raw control character
            }
            ascii &= b >= 0;
            at++;
        }
        String s;
        if (ascii) {
            s = new String(in, start, at - start, StandardCharsets.ISO_8859_1);
        } else {
            s = utf8(start, at);
            for (int i = start; i < at; i++) {
                canonical &= (in[i] & 0xF8) != 0xF0; // a 4-byte sequence: written as two escaped surrogates
            }
        }
        at++;
        return s;
    }

    private String utf8(int from, int to) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(in, from, to - from)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw GIVE_UP;
        }
    }

    private String escapedString() {
        canonical = false; // escapes are spelled in more than one way; rare in profiles
        StringBuilder sb = new StringBuilder();
        int run = at;
        while (true) {
            byte b = in[at];
            if (b == '"') {
                break;
            }
            if (b >= 0 && b < 0x20) {
                throw GIVE_UP;
            }
            if (b != '\\') {
                at++;
                continue;
            }
            if (at > run) {
                sb.append(utf8(run, at));
            }
            at++;
            byte e = in[at++];
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    int c = 0;
                    for (int i = 0; i < 4; i++) {
                        int h = Character.digit(in[at++], 16);
                        if (h < 0) {
                            throw GIVE_UP;
                        }
                        c = c << 4 | h;
                    }
                    sb.append((char) c);
                }
                default -> throw GIVE_UP;
            }
            run = at;
        }
        if (at > run) {
            sb.append(utf8(run, at));
        }
        at++;
        return sb.toString();
    }

    private void expect(char c) {
        if (in[at] != c) {
            throw GIVE_UP;
        }
        at++;
    }

    private boolean skip(char c) {
        if (at < in.length && in[at] == c) {
            at++;
            return true;
        }
        return false;
    }

    private void expect(String ascii) {
        if (!skip(ascii)) {
            throw GIVE_UP;
        }
    }

    private boolean skip(String ascii) {
        int n = ascii.length();
        if (at + n > in.length) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (in[at + i] != ascii.charAt(i)) {
                return false;
            }
        }
        at += n;
        return true;
    }
}
