package io.profilekit.spi;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.profilekit.internal.IsoInstant;
import io.profilekit.internal.JsonValues;
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
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@link ProfileStateCodec}'s JSON with a streaming parser, keeping the path of the field it
 * is in so that an error names it ({@code profile state at attrs.visits.n: expected an integer, got "x"}).
 */
final class StateReader {
    /** Per operation kind, the fields it may hold besides {@code k}. */
    private static final Map<String, Set<String>> FIELDS = Map.ofEntries(
            Map.entry("set", Set.of("val", "unset", "t", "tie")),
            Map.entry("setOnce", Set.of("val", "t", "tie")),
            Map.entry("counter", Set.of("n", "t")),
            Map.entry("sum", Set.of("n", "t")),
            Map.entry("max", Set.of("n", "t")),
            Map.entry("min", Set.of("n", "t")),
            Map.entry("recent", Set.of("cap", "e")),
            Map.entry("setAdd", Set.of("cap", "m")),
            Map.entry("decay", Set.of("hl", "b", "s", "t")),
            Map.entry("window", Set.of("w", "bl", "b", "c", "t")),
            Map.entry("topN", Set.of("n", "cap", "c")));

    private final JsonParser p;
    /** Field names (String) and list indexes (Integer), turned into text only for an error. */
    private final Object[] path = new Object[16];
    private int depth;

    /** What the text is, as an error names it: "profile state", "session state". */
    private final String subject;

    StateReader(JsonParser p) {
        this(p, "profile state");
    }

    StateReader(JsonParser p, String subject) {
        this.p = p;
        this.subject = subject;
    }

    ProfileState read() {
        try {
            return readState();
        } catch (JsonProcessingException e) {
            throw error("not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("profile state: " + e.getMessage(), e);
        }
    }

    private ProfileState readState() throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw error("expected a JSON object, got " + describeCurrent());
        }
        String first = p.nextFieldName();
        if (!"v".equals(first)) {
            throw error("expected the format version field \"v\" first, got "
                    + (first == null ? describeCurrent() : "\"" + first + "\""));
        }
        push("v");
        long v = readLong();
        if (v != ProfileStateCodec.FORMAT_VERSION && v != 1) {
            throw error("unsupported format version " + v + " (this ProfileKit reads versions 1 to "
                    + ProfileStateCodec.FORMAT_VERSION + ")");
        }
        pop();
        String user = null;
        long version = -1;
        long last = ProfileState.NONE;
        long erased = ProfileState.NONE;
        Map<String, Operation> attrs = Map.of();
        SeenEvents seen = SeenEvents.empty();
        Map<String, Long> fences = Map.of();
        for (String f; (f = p.nextFieldName()) != null; ) {
            push(f);
            switch (f) {
                case "user" -> user = readString();
                case "version" -> {
                    version = readLong();
                    if (version < 0) {
                        throw error("expected a version >= 0, got " + version);
                    }
                }
                case "last" -> last = readLong();
                case "erased" -> erased = readLong();
                case "attrs" -> attrs = readAttributes();
                case "seen" -> seen = v == 1 ? readSeenPairs() : readSeen();
                case "fences" -> fences = readFences();
                default -> throw error("unknown field");
            }
            pop();
        }
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw error("expected a field name, got " + describeCurrent());
        }
        if (p.nextToken() != null) {
            throw error("unexpected content after the profile state: " + describeCurrent());
        }
        if (user == null) {
            throw error("missing field \"user\"");
        }
        if (version < 0) {
            throw error("missing field \"version\"");
        }
        return new ProfileState(user, version, attrs, last, seen, fences, erased);
    }

    Map<String, Operation> readAttributes() throws IOException {
        expect(JsonToken.START_OBJECT, "an object of attributes");
        Map<String, Operation> attrs = new HashMap<>();
        for (String name; (name = p.nextFieldName()) != null; ) {
            push(name);
            if (attrs.put(name, readOperation()) != null) {
                throw error("duplicate attribute");
            }
            pop();
        }
        return attrs;
    }

    /** Version 2: one base64 string of (zigzag varint time difference, 8-byte hash) entries. */
    private SeenEvents readSeen() throws IOException {
        if (p.nextToken() != JsonToken.VALUE_STRING) {
            throw error("expected a base64 string, got " + describeCurrent());
        }
        byte[] blob;
        try {
            blob = java.util.Base64.getDecoder().decode(p.getText());
        } catch (IllegalArgumentException e) {
            throw error("expected a base64 string: " + e.getMessage());
        }
        try {
            return decodeSeenBlob(blob);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    /**
     * The recent event ids from their compact bytes (per id: a zigzag varint time difference, then
     * the 8-byte hash), for both readers.
     *
     * @throws IllegalArgumentException naming the entry when the bytes are cut short or not sorted
     */
    static SeenEvents decodeSeenBlob(byte[] blob) {
        long[] times = new long[Math.max(1, blob.length / 9)];
        long[] hashes = new long[times.length];
        int n = 0;
        long previous = 0;
        for (int at = 0; at < blob.length; n++) {
            long z = 0;
            for (int shift = 0; ; shift += 7) {
                if (at == blob.length || shift > 63) {
                    throw new IllegalArgumentException("entry " + n + ": bad time difference");
                }
                byte b = blob[at++];
                z |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    break;
                }
            }
            if (at + 8 > blob.length) {
                throw new IllegalArgumentException("entry " + n + ": expected 8 bytes of hash, got " + (blob.length - at));
            }
            long h = 0;
            for (int i = 0; i < 8; i++) {
                h = (h << 8) | (blob[at++] & 0xff);
            }
            if (n == times.length) {
                times = Arrays.copyOf(times, n * 2);
                hashes = Arrays.copyOf(hashes, n * 2);
            }
            previous += (z >>> 1) ^ -(z & 1);
            times[n] = previous;
            hashes[n] = h;
        }
        return SeenEvents.adopt(Arrays.copyOf(times, n), Arrays.copyOf(hashes, n));
    }

    /** Version 1: a list of {@code [time, hash]} pairs. */
    private SeenEvents readSeenPairs() throws IOException {
        expect(JsonToken.START_ARRAY, "a list of [time, hash] pairs");
        long[] times = new long[16];
        long[] hashes = new long[16];
        int n = 0;
        while (p.nextToken() == JsonToken.START_ARRAY) {
            if (n == times.length) {
                times = Arrays.copyOf(times, n * 2);
                hashes = Arrays.copyOf(hashes, n * 2);
            }
            push(n);
            times[n] = readLong();
            hashes[n] = readLong();
            if (p.nextToken() != JsonToken.END_ARRAY) {
                throw error("expected a [time, hash] pair, got a further " + describeCurrent());
            }
            pop();
            n++;
        }
        if (p.currentToken() != JsonToken.END_ARRAY) {
            throw error("expected a [time, hash] pair, got " + describeCurrent());
        }
        try {
            return SeenEvents.adopt(Arrays.copyOf(times, n), Arrays.copyOf(hashes, n));
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    private Map<String, Long> readFences() throws IOException {
        expect(JsonToken.START_OBJECT, "an object of source offsets");
        Map<String, Long> fences = new HashMap<>();
        for (String source; (source = p.nextFieldName()) != null; ) {
            push(source);
            fences.put(source, readLong());
            pop();
        }
        return fences;
    }

    /** The fields of one operation, as read; which ones must be there depends on the kind. */
    private static final class OpFields {
        Object val;
        boolean hasVal;
        boolean unset;
        Long t;
        Long tie;
        Object n;
        Long cap;
        Long hl;
        Long w;
        Long bl;
        long[] b;
        long[] s;
        long[] c;
        List<Object[]> tuples;
    }

    private Operation readOperation() throws IOException {
        expect(JsonToken.START_OBJECT, "an operation object");
        String first = p.nextFieldName();
        if (!ProfileStateCodec.KIND.equals(first)) {
            throw error("expected the operation kind field \"k\" first, got "
                    + (first == null ? describeCurrent() : "\"" + first + "\""));
        }
        push("k");
        String kind = readString();
        Set<String> allowed = FIELDS.get(kind);
        if (allowed == null) {
            throw error("unknown operation kind \"" + kind + "\"");
        }
        pop();
        OpFields f = new OpFields();
        for (String name; (name = p.nextFieldName()) != null; ) {
            push(name);
            if (!allowed.contains(name)) {
                throw error("unknown field for operation kind " + kind);
            }
            switch (name) {
                case "val" -> {
                    p.nextToken();
                    f.val = readValue();
                    f.hasVal = true;
                }
                case "unset" -> f.unset = readBoolean();
                case "t" -> f.t = readLong();
                case "tie" -> f.tie = readLong();
                case "n" -> {
                    p.nextToken();
                    f.n = readValue();
                }
                case "cap" -> f.cap = readLong();
                case "hl" -> f.hl = readLong();
                case "w" -> f.w = readLong();
                case "bl" -> f.bl = readLong();
                case "b" -> f.b = readLongs();
                case "s" -> f.s = readLongs();
                case "c" -> {
                    if ("window".equals(kind)) {
                        f.c = readLongs();
                    } else {
                        f.tuples = readTuples(3);
                    }
                }
                case "e" -> f.tuples = readTuples(3);
                case "m" -> f.tuples = readTuples(2);
                default -> throw new AssertionError(name);
            }
            pop();
        }
        try {
            return build(kind, f);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw error(e.getMessage());
        }
    }

    private Operation build(String kind, OpFields f) {
        switch (kind) {
            case "set":
                require(f.hasVal, "val");
                return new LastWrite(f.val, !f.unset, need(f.t, "t"), need(f.tie, "tie"));
            case "setOnce":
                require(f.hasVal, "val");
                return new FirstWrite(f.val, need(f.t, "t"), need(f.tie, "tie"));
            case "counter":
                return new Counter(number(f.n, Long.class, "an integer"), need(f.t, "t"));
            case "sum": {
                String text = number(f.n, String.class, "a decimal string");
                BigDecimal n;
                try {
                    n = new BigDecimal(text);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("field \"n\": expected a decimal string, got " + JsonValues.describe(text));
                }
                if (!JsonValues.storableDecimal(n)) {
                    throw new IllegalArgumentException("field \"n\": " + tooLong(n));
                }
                return new DecimalSum(n, need(f.t, "t"));
            }
            case "max":
            case "min": {
                Object n = f.n;
                if (!(n instanceof Long) && !(n instanceof BigDecimal)) {
                    throw new IllegalArgumentException(n == null ? "missing field \"n\""
                            : "field \"n\": expected an integer or {\"$d\":...}, got " + JsonValues.describe(n));
                }
                return new Extremum("max".equals(kind), (Number) n, need(f.t, "t"));
            }
            case "recent": {
                List<RecentValues.Entry> entries = new ArrayList<>();
                for (Object[] e : need(f.tuples, "e")) {
                    entries.add(new RecentValues.Entry(e[0], (Long) e[1], (Long) e[2]));
                }
                return new RecentValues(toInt(need(f.cap, "cap"), "cap"), entries);
            }
            case "setAdd": {
                List<CappedSet.Member> members = new ArrayList<>();
                for (Object[] m : need(f.tuples, "m")) {
                    members.add(new CappedSet.Member(m[0], (Long) m[1]));
                }
                return new CappedSet(toInt(need(f.cap, "cap"), "cap"), members);
            }
            case "decay":
                return new DecayingScore(need(f.hl, "hl"), need(f.b, "b"), need(f.s, "s"), need(f.t, "t"));
            case "window":
                return new WindowedCount(need(f.w, "w"), need(f.bl, "bl"), need(f.b, "b"), need(f.c, "c"),
                        need(f.t, "t"));
            default: {
                List<TopValues.Count> counts = new ArrayList<>();
                for (Object[] c : need(f.tuples, "c")) {
                    counts.add(new TopValues.Count(c[0], (Long) c[1], (Long) c[2]));
                }
                return new TopValues(toInt(number(f.n, Long.class, "an integer"), "n"),
                        toInt(need(f.cap, "cap"), "cap"), counts);
            }
        }
    }

    /** A size field as an int; out of range is an error naming the field, not an overflow. */
    private static int toInt(long value, String field) {
        if (value != (int) value) {
            throw new IllegalArgumentException("field \"" + field + "\": " + value + " is out of range");
        }
        return (int) value;
    }

    private static void require(boolean present, String field) {
        if (!present) {
            throw new IllegalArgumentException("missing field \"" + field + "\"");
        }
    }

    private static <T> T need(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException("missing field \"" + field + "\"");
        }
        return value;
    }

    private static <T> T number(Object n, Class<T> type, String what) {
        if (n == null) {
            throw new IllegalArgumentException("missing field \"n\"");
        }
        if (!type.isInstance(n)) {
            throw new IllegalArgumentException("field \"n\": expected " + what + ", got " + JsonValues.describe(n));
        }
        return type.cast(n);
    }

    /** Reads [value, long...] tuples of the given arity. */
    private List<Object[]> readTuples(int arity) throws IOException {
        expect(JsonToken.START_ARRAY, "a list of [value, ...] entries");
        List<Object[]> out = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_ARRAY) {
            push(out.size());
            Object[] t = new Object[arity];
            p.nextToken();
            t[0] = readValue();
            for (int i = 1; i < arity; i++) {
                t[i] = readLong();
            }
            if (p.nextToken() != JsonToken.END_ARRAY) {
                throw error("expected an entry of " + arity + " items, got a further " + describeCurrent());
            }
            pop();
            out.add(t);
        }
        if (p.currentToken() != JsonToken.END_ARRAY) {
            throw error("expected a [value, ...] entry, got " + describeCurrent());
        }
        return out;
    }

    private long[] readLongs() throws IOException {
        expect(JsonToken.START_ARRAY, "a list of integers");
        long[] out = new long[8];
        int n = 0;
        for (JsonToken t; (t = p.nextToken()) != JsonToken.END_ARRAY; ) {
            push(n);
            checkLong(t);
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
            }
            out[n++] = p.getLongValue();
            pop();
        }
        return Arrays.copyOf(out, n);
    }

    /** Reads the JSON-like value at the current token. */
    private Object readValue() throws IOException {
        JsonToken t = p.currentToken();
        if (t == null) {
            throw error("expected a value, got the end of input");
        }
        switch (t) {
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                checkLong(t);
                return p.getLongValue();
            case VALUE_NUMBER_FLOAT: {
                double d = p.getDoubleValue();
                if (Double.isInfinite(d)) {
                    throw error("number beyond the range of a double: " + describeCurrent());
                }
                return d;
            }
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            case START_ARRAY: {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    push(list.size());
                    list.add(readValue());
                    pop();
                }
                return JsonValues.adoptList(list);
            }
            case START_OBJECT:
                return readObject();
            default:
                throw error("expected a value, got " + describeCurrent());
        }
    }

    private Object readObject() throws IOException {
        String first = p.nextFieldName();
        if (first == null) {
            return JsonValues.EMPTY_MAP;
        }
        if (first.startsWith("$")) {
            push(first);
            Object tagged;
            switch (first) {
                case "$d" -> {
                    String text = readString();
                    BigDecimal d;
                    try {
                        d = new BigDecimal(text);
                    } catch (NumberFormatException e) {
                        throw error("expected a decimal string, got " + JsonValues.describe(text));
                    }
                    if (!JsonValues.storableDecimal(d)) {
                        throw error(tooLong(d));
                    }
                    tagged = d;
                }
                case "$t" -> {
                    String text = readString();
                    try {
                        tagged = IsoInstant.parse(text);
                    } catch (DateTimeParseException e) {
                        throw error("expected an ISO-8601 instant, got " + JsonValues.describe(text));
                    }
                }
                case "$m" -> {
                    expect(JsonToken.START_OBJECT, "an object");
                    tagged = readFields(p.nextFieldName());
                }
                default -> throw error("unknown value tag (known: $d decimal, $t instant, $m object)");
            }
            pop();
            if (p.nextToken() != JsonToken.END_OBJECT) {
                throw error("expected the end of the tagged value " + first + ", got " + describeCurrent());
            }
            return tagged;
        }
        return readFields(first);
    }

    /** Reads an object's fields, the first one's name already read. */
    private Map<String, Object> readFields(String first) throws IOException {
        LinkedHashMap<String, Object> map = new LinkedHashMap<>();
        for (String name = first; name != null; name = p.nextFieldName()) {
            push(name);
            p.nextToken();
            if (map.put(name, readValue()) != null) {
                throw error("duplicate key");
            }
            pop();
        }
        return JsonValues.adoptMap(map);
    }

    long readLong() throws IOException {
        JsonToken t = p.nextToken();
        checkLong(t);
        return p.getLongValue();
    }

    private void checkLong(JsonToken t) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw error("expected an integer, got " + describeCurrent());
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw error("integer out of the 64-bit range: " + JsonValues.describe(p.getText()));
        }
    }

    String readString() throws IOException {
        if (p.nextToken() != JsonToken.VALUE_STRING) {
            throw error("expected a string, got " + describeCurrent());
        }
        return p.getText();
    }

    boolean readBoolean() throws IOException {
        JsonToken t = p.nextToken();
        if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
            throw error("expected true or false, got " + describeCurrent());
        }
        return t == JsonToken.VALUE_TRUE;
    }

    private void expect(JsonToken expected, String what) throws IOException {
        if (p.nextToken() != expected) {
            throw error("expected " + what + ", got " + describeCurrent());
        }
    }

    String describeCurrent() throws IOException {
        JsonToken t = p.currentToken();
        if (t == null) {
            return "the end of input";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "a list";
            case END_OBJECT -> "the end of an object";
            case END_ARRAY -> "the end of a list";
            case FIELD_NAME -> "field \"" + p.currentName() + "\"";
            case VALUE_STRING -> JsonValues.describe(p.getText());
            default -> {
                String text = p.getText();
                yield text.length() > 64 ? text.substring(0, 61) + "..." : text;
            }
        };
    }

    void push(Object name) {
        if (depth < path.length) {
            path[depth] = name;
        }
        depth++;
    }

    void pop() {
        depth--;
    }

    IllegalArgumentException error(String message) {
        StringBuilder sb = new StringBuilder(subject);
        if (depth > 0) {
            sb.append(" at ");
            for (int i = 0; i < Math.min(depth, path.length); i++) {
                if (i > 0) {
                    sb.append('.');
                }
                sb.append(path[i]);
            }
            if (depth > path.length) {
                sb.append("...");
            }
        }
        return new IllegalArgumentException(sb.append(": ").append(message).toString());
    }

    /** Why a stored decimal is refused: past {@link JsonValues#MAX_STORED_DECIMAL_LENGTH} written out. */
    private static String tooLong(BigDecimal d) {
        return "expected a decimal of at most " + JsonValues.MAX_STORED_DECIMAL_LENGTH
                + " characters written out, got " + JsonValues.describe(d);
    }
}
