package io.profilekit;

import io.profilekit.internal.JsonValues;
import io.profilekit.internal.NumberBound;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The type and bounds a property's value must have, used by {@link EventSchema}. Immutable and
 * thread-safe: every fluent step returns a new spec.
 * <pre>{@code
 * PropertySpec currency = PropertySpec.string().pattern("[A-Z]{3}");
 * PropertySpec amount = PropertySpec.number().min(0);
 * PropertySpec skus = PropertySpec.list().maxSize(100).of(PropertySpec.string().maxLength(64));
 * }</pre>
 *
 * <p>Numbers are {@code Long}, {@code Double} or {@code BigDecimal}; an integer is a number with no
 * fractional part (as {@link Event#longValue} reads it); a timestamp is an {@code Instant} or an
 * ISO-8601 string such as {@code 2026-11-28T10:15:30Z}. Only {@link #any()} accepts {@code null}.
 */
public final class PropertySpec {
    private enum Kind { STRING, NUMBER, INTEGER, BOOLEAN, LIST, OBJECT, TIMESTAMP, ANY }

    private final Kind kind;
    private final int maxLength;
    private final Pattern pattern;
    private final Set<String> oneOf;
    private final NumberBound min;
    private final NumberBound max;
    private final PropertySpec element;
    private final String description;

    private PropertySpec(Kind kind, int maxLength, Pattern pattern, Set<String> oneOf, NumberBound min, NumberBound max,
                         PropertySpec element) {
        if (min != null && max != null && min.value().compareTo(max.value()) > 0) {
            throw new IllegalArgumentException("min " + min + " is greater than max " + max);
        }
        this.kind = kind;
        this.maxLength = maxLength;
        this.pattern = pattern;
        this.oneOf = oneOf;
        this.min = min;
        this.max = max;
        this.element = element;
        this.description = describe();
    }

    private PropertySpec(Kind kind) {
        this(kind, -1, null, null, null, null, null);
    }

    /** A string; bound it with {@link #maxLength}, {@link #pattern} or {@link #oneOf}. */
    public static PropertySpec string() {
        return new PropertySpec(Kind.STRING);
    }

    /** A number ({@code Long}, {@code Double} or {@code BigDecimal}); bound it with {@link #min} and {@link #max}. */
    public static PropertySpec number() {
        return new PropertySpec(Kind.NUMBER);
    }

    /** A number with no fractional part; bound it with {@link #min} and {@link #max}. */
    public static PropertySpec integer() {
        return new PropertySpec(Kind.INTEGER);
    }

    /** A boolean. */
    public static PropertySpec bool() {
        return new PropertySpec(Kind.BOOLEAN);
    }

    /** A list; bound it with {@link #maxSize}, and its items with {@link #of}. */
    public static PropertySpec list() {
        return new PropertySpec(Kind.LIST);
    }

    /** An object (a map of properties), of any content. */
    public static PropertySpec object() {
        return new PropertySpec(Kind.OBJECT);
    }

    /** An {@code Instant}, or a string in ISO-8601 form such as {@code 2026-11-28T10:15:30Z}. */
    public static PropertySpec timestamp() {
        return new PropertySpec(Kind.TIMESTAMP);
    }

    /** Any value, {@code null} included. */
    public static PropertySpec any() {
        return new PropertySpec(Kind.ANY);
    }

    /** This string spec, allowing at most {@code chars} UTF-16 chars. */
    public PropertySpec maxLength(int chars) {
        require(Kind.STRING, "maxLength");
        nonNegative("maxLength", chars);
        return new PropertySpec(kind, chars, pattern, oneOf, min, max, element);
    }

    /** This string spec, requiring the whole string to match {@code regex}. */
    public PropertySpec pattern(String regex) {
        require(Kind.STRING, "pattern");
        return new PropertySpec(kind, maxLength, Pattern.compile(regex), oneOf, min, max, element);
    }

    /** This string spec, allowing only the given values. */
    public PropertySpec oneOf(String... values) {
        require(Kind.STRING, "oneOf");
        if (values.length == 0) {
            throw new IllegalArgumentException("oneOf needs at least one value");
        }
        Set<String> set = new LinkedHashSet<>(List.of(values));
        return new PropertySpec(kind, maxLength, pattern, set, min, max, element);
    }

    /** This number or integer spec, requiring values {@code >= min}. */
    public PropertySpec min(BigDecimal min) {
        requireNumeric("min");
        return new PropertySpec(kind, maxLength, pattern, oneOf, NumberBound.of(min), max, element);
    }

    /** This number or integer spec, requiring values {@code >= min}; {@code min} must be finite. */
    public PropertySpec min(double min) {
        return min(finite("min", min));
    }

    /** This number or integer spec, requiring values {@code >= min}; exact for every {@code long}. */
    public PropertySpec min(long min) {
        return min(BigDecimal.valueOf(min));
    }

    /** This number or integer spec, requiring values {@code <= max}. */
    public PropertySpec max(BigDecimal max) {
        requireNumeric("max");
        return new PropertySpec(kind, maxLength, pattern, oneOf, min, NumberBound.of(max), element);
    }

    /** This number or integer spec, requiring values {@code <= max}; {@code max} must be finite. */
    public PropertySpec max(double max) {
        return max(finite("max", max));
    }

    /** This number or integer spec, requiring values {@code <= max}; exact for every {@code long}. */
    public PropertySpec max(long max) {
        return max(BigDecimal.valueOf(max));
    }

    /** This list spec, allowing at most {@code items} items. */
    public PropertySpec maxSize(int items) {
        require(Kind.LIST, "maxSize");
        nonNegative("maxSize", items);
        return new PropertySpec(kind, items, pattern, oneOf, min, max, element);
    }

    /** This list spec, requiring every item to match {@code itemSpec}. */
    public PropertySpec of(PropertySpec itemSpec) {
        require(Kind.LIST, "of");
        return new PropertySpec(kind, maxLength, pattern, oneOf, min, max, Objects.requireNonNull(itemSpec, "itemSpec"));
    }

    /** What the spec accepts, as it appears in messages: {@code a number >= 0}. */
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return description;
    }

    /**
     * Checks a value, following the convention of {@link io.profilekit.internal.EventChecks}: with a
     * null {@code out}, returns {@code false} at the first problem without allocating.
     */
    boolean check(String field, Object value, List<Violation> out) {
        if (!accepts(value)) {
            if (out != null) {
                out.add(new Violation(field, "expected " + description + ", got " + JsonValues.describe(value)));
            }
            return false;
        }
        if (element == null) {
            return true;
        }
        List<?> items = (List<?>) value;
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            if (!element.check(out == null ? null : field + "[" + i + "]", items.get(i), out)) {
                if (out == null) {
                    return false;
                }
                ok = false;
            }
        }
        return ok;
    }

    private boolean accepts(Object v) {
        switch (kind) {
            case ANY:
                return true;
            case STRING:
                return v instanceof String s && (maxLength < 0 || s.length() <= maxLength)
                        && (oneOf == null || oneOf.contains(s)) && (pattern == null || pattern.matcher(s).matches());
            case NUMBER:
                return (v instanceof Long || v instanceof Double || v instanceof BigDecimal) && inBounds(v);
            case INTEGER:
                return isInteger(v) && inBounds(v);
            case BOOLEAN:
                return v instanceof Boolean;
            case LIST:
                return v instanceof List<?> l && (maxLength < 0 || l.size() <= maxLength);
            case OBJECT:
                return v instanceof Map;
            case TIMESTAMP:
                return v instanceof Instant || v instanceof String s && isInstant(s);
            default:
                throw new AssertionError(kind);
        }
    }

    private boolean inBounds(Object number) {
        return (min == null || min.compareFrom(number) >= 0) && (max == null || max.compareFrom(number) <= 0);
    }

    private static boolean isInteger(Object v) {
        if (v instanceof Long) {
            return true;
        }
        if (v instanceof Double d) {
            return d == Math.rint(d) && Math.abs(d) < 0x1p53;
        }
        return v instanceof BigDecimal bd && bd.stripTrailingZeros().scale() <= 0;
    }

    private static boolean isInstant(String s) {
        try {
            io.profilekit.internal.IsoInstant.parse(s);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private String describe() {
        StringBuilder sb = new StringBuilder();
        switch (kind) {
            case STRING -> {
                sb.append(oneOf == null ? "a string"
                        : oneOf.stream().map(JsonValues::describe).collect(Collectors.joining(", ", "one of ", "")));
                if (maxLength >= 0) {
                    sb.append(" of at most ").append(maxLength).append(" characters");
                }
                if (pattern != null) {
                    sb.append(" matching ").append(pattern.pattern());
                }
            }
            case NUMBER, INTEGER -> {
                sb.append(kind == Kind.NUMBER ? "a number" : "an integer");
                if (min != null && max != null) {
                    sb.append(" between ").append(min).append(" and ").append(max);
                } else if (min != null) {
                    sb.append(" >= ").append(min);
                } else if (max != null) {
                    sb.append(" <= ").append(max);
                }
            }
            case LIST -> {
                sb.append("a list");
                if (maxLength >= 0) {
                    sb.append(" of at most ").append(maxLength).append(" items");
                }
            }
            case BOOLEAN -> sb.append("a boolean");
            case OBJECT -> sb.append("an object");
            case TIMESTAMP -> sb.append("an ISO-8601 timestamp");
            case ANY -> sb.append("any value");
            default -> throw new AssertionError(kind);
        }
        return sb.toString();
    }

    private void require(Kind expected, String method) {
        if (kind != expected) {
            throw new IllegalStateException(method + " applies to " + expected.name().toLowerCase()
                    + " specs, not to " + description);
        }
    }

    private void requireNumeric(String method) {
        if (kind != Kind.NUMBER && kind != Kind.INTEGER) {
            throw new IllegalStateException(method + " applies to number and integer specs, not to " + description);
        }
    }

    private static void nonNegative(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative, got " + value);
        }
    }

    private static BigDecimal finite(String name, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(name + " must be finite, got " + value);
        }
        return BigDecimal.valueOf(value);
    }
}
