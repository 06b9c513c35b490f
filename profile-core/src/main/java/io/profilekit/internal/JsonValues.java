package io.profilekit.internal;

import io.profilekit.EventLimits;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.AbstractList;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * JSON-like values as ProfileKit holds them: {@code String}, {@code Long}, {@code Double},
 * {@code BigDecimal}, {@code Boolean}, {@code Instant}, {@code List}, {@code Map<String, ?>} and
 * {@code null}. Not part of the API.
 *
 * <p>{@link #normalize} turns what callers pass (an {@code Integer}, a {@code HashMap}) into that
 * canonical, deeply unmodifiable form, so that equal inputs give equal stored values whatever
 * their Java type was.
 */
public final class JsonValues {
    private JsonValues() {
    }

    /** A map already normalized and frozen: {@link #freezeMap} returns it unchanged. */
    public static final class FrozenMap extends AbstractMap<String, Object> {
        private final Map<String, Object> delegate;

        FrozenMap(Map<String, Object> delegate) {
            this.delegate = delegate;
        }

        @Override
        public Set<Entry<String, Object>> entrySet() {
            return Collections.unmodifiableMap(delegate).entrySet();
        }

        @Override
        public Object get(Object key) {
            return delegate.get(key);
        }

        @Override
        public boolean containsKey(Object key) {
            return delegate.containsKey(key);
        }

        @Override
        public int size() {
            return delegate.size();
        }

        /** Visits the entries without allocating (iterating {@link #entrySet()} allocates views). */
        @Override
        public void forEach(BiConsumer<? super String, ? super Object> action) {
            delegate.forEach(action);
        }
    }

    /** A list already normalized and frozen. */
    public static final class FrozenList extends AbstractList<Object> implements java.util.RandomAccess {
        private final Object[] items;

        FrozenList(Object[] items) {
            this.items = items;
        }

        @Override
        public Object get(int index) {
            return items[index];
        }

        @Override
        public int size() {
            return items.length;
        }
    }

    public static final Map<String, Object> EMPTY_MAP = new FrozenMap(new LinkedHashMap<>());

    /**
     * Wraps a map the caller built and will never touch again, without copying. Its values must
     * already be normalized (the JSON codec builds such maps).
     */
    public static Map<String, Object> adoptMap(LinkedHashMap<String, Object> owned) {
        return owned.isEmpty() ? EMPTY_MAP : new FrozenMap(owned);
    }

    /** Wraps a list the caller built and will never touch again, without copying. */
    public static List<Object> adoptList(List<Object> owned) {
        return new FrozenList(owned.toArray());
    }

    /** Normalizes and freezes a map of properties; returns it as is when it is already frozen. */
    public static Map<String, Object> freezeMap(Map<String, ?> map) {
        if (map instanceof FrozenMap frozen) {
            return frozen;
        }
        if (map.isEmpty()) {
            return EMPTY_MAP;
        }
        LinkedHashMap<String, Object> copy = new LinkedHashMap<>(Math.max(4, map.size() * 2));
        for (Map.Entry<String, ?> e : map.entrySet()) {
            if (e.getKey() == null) {
                throw new IllegalArgumentException("property names must not be null");
            }
            copy.put(e.getKey(), normalizeProperty(e.getKey(), e.getValue()));
        }
        return new FrozenMap(copy);
    }

    /**
     * Returns the canonical form of a JSON-like value: integral numbers become {@code Long},
     * {@code Float} becomes {@code Double}, collections become unmodifiable copies.
     *
     * @throws IllegalArgumentException for a value of another type, a non-finite number, or objects
     *                                  and lists nested deeper than {@link EventLimits#MAX_DEPTH_CAP}
     *                                  levels (counted as in an event, its properties being level 1;
     *                                  no limit allows more, and a cycle is refused so)
     */
    public static Object normalize(Object value) {
        return normalize(value, 2);
    }

    /**
     * {@link #normalize(Object)} of the value of property {@code name}; a value it refuses is
     * reported with the property's name first ({@code amount: expected ...}).
     */
    public static Object normalizeProperty(String name, Object value) {
        try {
            return normalize(value, 2);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }

    /** {@link #normalize(Object)} of a value that is at nesting level {@code level} when it is a container. */
    private static Object normalize(Object value, int level) {
        if (value == null || value instanceof String || value instanceof Long || value instanceof Boolean
                || value instanceof Instant || value instanceof FrozenMap || value instanceof FrozenList) {
            return value;
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Double d) {
            return checkFinite(d);
        }
        if (value instanceof Float f) {
            return checkFinite(Double.parseDouble(f.toString()));
        }
        if (value instanceof BigDecimal bd) {
            return checkDecimal(bd);
        }
        if (value instanceof BigInteger bi) {
            return bi.bitLength() < 64 ? (Object) bi.longValue() : checkDecimal(new BigDecimal(bi));
        }
        if (value instanceof CharSequence cs) {
            return cs.toString();
        }
        if ((value instanceof Map || value instanceof Iterable || value instanceof Object[])
                && level > EventLimits.MAX_DEPTH_CAP) {
            throw new IllegalArgumentException("nested deeper than " + EventLimits.MAX_DEPTH_CAP
                    + " levels (EventLimits.MAX_DEPTH_CAP)");
        }
        if (value instanceof Map<?, ?> m) {
            LinkedHashMap<String, Object> copy = new LinkedHashMap<>(Math.max(4, m.size() * 2));
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw new IllegalArgumentException("map keys must be strings, got " + describe(e.getKey()));
                }
                copy.put(key, normalize(e.getValue(), level + 1));
            }
            return new FrozenMap(copy);
        }
        if (value instanceof Iterable<?> it) {
            List<Object> copy = new ArrayList<>();
            for (Object o : it) {
                copy.add(normalize(o, level + 1));
            }
            return new FrozenList(copy.toArray());
        }
        if (value instanceof Object[] arr) {
            Object[] copy = new Object[arr.length];
            for (int i = 0; i < arr.length; i++) {
                copy[i] = normalize(arr[i], level + 1);
            }
            return new FrozenList(copy);
        }
        throw new IllegalArgumentException("not a JSON-like value: " + value.getClass().getName()
                + " (use String, Number, Boolean, Instant, List, Map or null)");
    }

    private static Double checkFinite(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("not a finite number: " + d);
        }
        return d;
    }

    /** The JSON type name of a value, for error messages. */
    public static String typeName(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String) {
            return "string";
        }
        if (value instanceof Number) {
            return "number";
        }
        if (value instanceof Boolean) {
            return "boolean";
        }
        if (value instanceof Instant) {
            return "timestamp";
        }
        if (value instanceof List) {
            return "list";
        }
        if (value instanceof Map) {
            return "object";
        }
        return value.getClass().getSimpleName();
    }

    /**
     * Renders a value for an error message: strings quoted, long values cut at 64 characters (and
     * never inside a surrogate pair), so that a hostile value cannot blow up a log line.
     */
    public static String describe(Object value) {
        String s;
        if (value == null) {
            return "null";
        } else if (value instanceof String str) {
            // only the head can show: a long string is cut below whatever its escapes add
            s = '"' + escapeForMessage(str.length() > 70 ? str.substring(0, 70) : str) + '"';
        } else if (value instanceof BigDecimal bd) {
            s = plainLength(bd) > 64 ? bd.toString() : bd.toPlainString();
        } else if (value instanceof Map<?, ?> m) {
            s = "an object of " + m.size() + " properties";
        } else if (value instanceof List<?> l) {
            s = "a list of " + l.size() + " items";
        } else {
            s = String.valueOf(value);
        }
        if (s.length() <= 64) {
            return s;
        }
        int cut = Character.isHighSurrogate(s.charAt(60)) ? 60 : 61; // never half of a character
        return s.substring(0, cut) + (value instanceof String ? "...\"" : "...");
    }

    /**
     * {@code s} with quotes and control characters escaped as in JSON, so that a value in an error
     * message cannot break a log line or forge another.
     */
    private static String escapeForMessage(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String esc = c == '"' ? "\\\"" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t"
                    : c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' ? String.format("\\u%04x", (int) c) : null;
            if (esc != null && sb == null) {
                sb = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (sb != null) {
                if (esc != null) {
                    sb.append(esc);
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? s : sb.toString();
    }

    /**
     * The most characters a decimal given as a value or amount may take written out in plain form
     * ({@link BigDecimal#toPlainString()}): up to 1E+999 or down to 1E-998. Arithmetic on decimals
     * aligns their scales, so a value like {@code 1E+100000000} would make every sum it joins a
     * number of a hundred million digits; bounded inputs keep sums (and the states holding them)
     * bounded by {@link #MAX_STORED_DECIMAL_LENGTH}.
     */
    public static final int MAX_DECIMAL_LENGTH = 1000;

    /**
     * The most characters a decimal read from a stored state may take in plain form: twice
     * {@link #MAX_DECIMAL_LENGTH} with room for a sum's growth, so that every sum of accepted inputs
     * is read back, and a corrupted state cannot stall the merges that use it.
     */
    public static final int MAX_STORED_DECIMAL_LENGTH = 2 * MAX_DECIMAL_LENGTH + 100;

    /**
     * {@code bd}, when written out it takes at most {@link #MAX_DECIMAL_LENGTH} characters.
     *
     * @throws IllegalArgumentException naming the value otherwise
     */
    public static BigDecimal checkDecimal(BigDecimal bd) {
        if (plainLength(bd) > MAX_DECIMAL_LENGTH) {
            throw new IllegalArgumentException("expected a decimal of at most " + MAX_DECIMAL_LENGTH
                    + " characters written out (1E-998 to 1E+999), got " + describe(bd));
        }
        return bd;
    }

    /** Whether a decimal read from a stored state is within {@link #MAX_STORED_DECIMAL_LENGTH}. */
    public static boolean storableDecimal(BigDecimal bd) {
        return plainLength(bd) <= MAX_STORED_DECIMAL_LENGTH;
    }

    /**
     * The length of {@link BigDecimal#toPlainString()}, without writing it: {@code 1E+1000000000}
     * has a billion digits in plain form.
     */
    private static long plainLength(BigDecimal bd) {
        long precision = bd.precision();
        long scale = bd.scale();
        if (bd.signum() == 0 && scale <= 0) {
            return 1; // "0"
        }
        long digits = scale <= 0 ? precision - scale : scale < precision ? precision + 1 : scale + 2;
        return digits + (bd.signum() < 0 ? 1 : 0);
    }
}
