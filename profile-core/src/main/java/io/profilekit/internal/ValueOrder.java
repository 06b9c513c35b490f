package io.profilekit.internal;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A total order over JSON-like values, the same on every JVM: used to break ties so that merges
 * never depend on arrival order. null &lt; boolean &lt; number &lt; string &lt; timestamp &lt;
 * list &lt; object. Consistent with {@code equals}: numbers are ordered by value, and equal values
 * of different forms ({@code 1}, {@code 1.0}, {@code 1.00}, {@code -0.0} and {@code 0.0}) by their
 * form, so two values compare as 0 only when they are equal. Not part of the API.
 */
public final class ValueOrder implements Comparator<Object> {
    public static final ValueOrder INSTANCE = new ValueOrder();

    private ValueOrder() {
    }

    @Override
    public int compare(Object a, Object b) {
        if (a == b) {
            return 0;
        }
        int ra = rank(a);
        int rb = rank(b);
        if (ra != rb) {
            return Integer.compare(ra, rb);
        }
        switch (ra) {
            case 1:
                return Boolean.compare((Boolean) a, (Boolean) b);
            case 2:
                return compareNumberForms((Number) a, (Number) b);
            case 3:
                return ((String) a).compareTo((String) b);
            case 4:
                return ((Instant) a).compareTo((Instant) b);
            case 5:
                return compareLists((List<?>) a, (List<?>) b);
            case 6:
                return compareMaps((Map<?, ?>) a, (Map<?, ?>) b);
            default:
                return 0;
        }
    }

    /** Compares two numbers by value, exactly. */
    public static int compareNumbers(Number a, Number b) {
        if (a instanceof Long x && b instanceof Long y) {
            return Long.compare(x, y);
        }
        return toDecimal(a).compareTo(toDecimal(b));
    }

    /** By value, then (for equal values that are not equal objects) by type, then by scale or sign of zero. */
    private static int compareNumberForms(Number a, Number b) {
        int c = compareNumbers(a, b);
        if (c != 0 || a.equals(b)) {
            return c;
        }
        c = a.getClass().getName().compareTo(b.getClass().getName());
        if (c != 0) {
            return c;
        }
        if (a instanceof BigDecimal x) {
            return Integer.compare(x.scale(), ((BigDecimal) b).scale());
        }
        return Double.compare(a.doubleValue(), b.doubleValue());
    }

    /** The exact decimal value of a canonical number (Long, Double, BigDecimal). */
    public static BigDecimal toDecimal(Number n) {
        if (n instanceof BigDecimal bd) {
            return bd;
        }
        if (n instanceof Long l) {
            return BigDecimal.valueOf(l);
        }
        return BigDecimal.valueOf(n.doubleValue());
    }

    private static int rank(Object v) {
        if (v == null) {
            return 0;
        }
        if (v instanceof Boolean) {
            return 1;
        }
        if (v instanceof Number) {
            return 2;
        }
        if (v instanceof String) {
            return 3;
        }
        if (v instanceof Instant) {
            return 4;
        }
        if (v instanceof List) {
            return 5;
        }
        return 6;
    }

    private int compareLists(List<?> a, List<?> b) {
        int n = Math.min(a.size(), b.size());
        for (int i = 0; i < n; i++) {
            int c = compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    private int compareMaps(Map<?, ?> a, Map<?, ?> b) {
        if (a.size() != b.size()) {
            return Integer.compare(a.size(), b.size());
        }
        List<Map.Entry<String, Object>> ea = sortedEntries(a);
        List<Map.Entry<String, Object>> eb = sortedEntries(b);
        Iterator<Map.Entry<String, Object>> ia = ea.iterator();
        Iterator<Map.Entry<String, Object>> ib = eb.iterator();
        while (ia.hasNext()) {
            Map.Entry<String, Object> x = ia.next();
            Map.Entry<String, Object> y = ib.next();
            int c = x.getKey().compareTo(y.getKey());
            if (c == 0) {
                c = compare(x.getValue(), y.getValue());
            }
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static List<Map.Entry<String, Object>> sortedEntries(Map<?, ?> m) {
        return m.entrySet().stream()
                .<Map.Entry<String, Object>>map(e -> new AbstractMap.SimpleImmutableEntry<>(String.valueOf(e.getKey()),
                        e.getValue()))
                .sorted(Map.Entry.comparingByKey())
                .toList();
    }
}
