package io.profilekit;

import io.profilekit.internal.EventChecks;
import io.profilekit.internal.JsonProblems;
import io.profilekit.internal.JsonValues;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Checks an event built in process against the {@link EventLimits} and then the schema of its type,
 * and reports every problem. Immutable and thread-safe; share one instance.
 *
 * <p>It checks: {@code eventId}, {@code type} and {@code sessionId} (when present) not blank and at
 * most {@value EventChecks#MAX_ID_LENGTH} chars; {@code userId} not blank and within
 * {@code maxUserIdBytes} of UTF-8; the timestamp at most {@code maxFutureSkew} after the clock's
 * current time; at most {@code maxProperties} entries in {@code properties} and in every object
 * nested in it; every string and property name within {@code maxStringLength}; nesting within
 * {@code maxDepth}; then {@link EventSchemas#validate}. Violations of limits in properties name the
 * field as {@code type.path}, such as {@code purchase.cart.items[2]}, like schema violations do.
 *
 * <p>It runs for every recorded event, so a valid event costs no allocation beyond what the
 * schema's own checks need (none for the built-in {@code page_view}, {@code click} and
 * {@code form_submit}; a {@code pattern} costs a regex match).
 * <pre>{@code
 * EventValidator validator = new EventValidator(EventSchemas.builtIn(), EventLimits.defaults(), Clock.systemUTC());
 * List<Violation> problems = validator.validate(event);
 * }</pre>
 */
public final class EventValidator {
    /** Ends the allocation-free walk at the first problem; shared, immutable and without a stack trace. */
    private static final class Invalid extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Invalid() {
            super(null, null, false, false);
        }
    }

    private static final Invalid INVALID = new Invalid();

    private final EventSchemas schemas;
    private final EventLimits limits;
    private final Clock clock;
    private final long skewMillis;
    /** Checks one top-level property on the fast path; {@code Map.forEach} on properties allocates nothing. */
    private final BiConsumer<String, Object> fastCheck = (name, value) -> {
        if (name.length() > limits().maxStringLength() || !checkValue(null, value, 1, null)) {
            throw INVALID;
        }
    };

    /**
     * A validator with the given schemas and limits, reading the current time from {@code clock}
     * (inject a fixed clock in tests).
     */
    public EventValidator(EventSchemas schemas, EventLimits limits, Clock clock) {
        this.schemas = Objects.requireNonNull(schemas, "schemas");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.skewMillis = saturatedMillis(limits.maxFutureSkew());
    }

    /** A validator with the given schemas, {@link EventLimits#defaults()} and the system clock. */
    public EventValidator(EventSchemas schemas) {
        this(schemas, EventLimits.defaults(), Clock.systemUTC());
    }

    /** Every problem of the event, limits first, then schema; an empty list when the event is valid. */
    public List<Violation> validate(Event event) {
        Objects.requireNonNull(event, "event");
        if (check(event, null)) {
            return List.of();
        }
        List<Violation> out = new ArrayList<>();
        check(event, out);
        return out;
    }

    /**
     * Checks the event and throws when it is invalid.
     *
     * @throws InvalidEventException with every problem, when there is one
     */
    public void requireValid(Event event) {
        List<Violation> problems = validate(event);
        if (!problems.isEmpty()) {
            throw new InvalidEventException(problems);
        }
    }

    /** The limits this validator enforces. */
    public EventLimits limits() {
        return limits;
    }

    /** The schemas this validator enforces. */
    public EventSchemas schemas() {
        return schemas;
    }

    private boolean check(Event event, List<Violation> out) {
        boolean ok = EventChecks.checkEnvelope(event.eventId(), event.userId(), event.type(),
                event.sessionId().orElse(null), limits, out);
        if (!ok && out == null) {
            return false;
        }
        ok &= checkSkew(event.timestamp(), out);
        if (!ok && out == null) {
            return false;
        }
        if (out == null) {
            if (!checkPropertiesFast(event.properties())) {
                return false;
            }
        } else {
            String prefix = EventChecks.isBlank(event.type()) ? "properties" : event.type();
            ok &= checkObject(prefix, event.properties(), 1, out);
        }
        if (!EventChecks.isBlank(event.type())) {
            ok &= schemas.check(event, out);
        }
        return ok;
    }

    private boolean checkSkew(Instant timestamp, List<Violation> out) {
        long now = clock.millis();
        if (now > Long.MAX_VALUE - skewMillis) {
            return true;
        }
        long limit = now + skewMillis;
        long limitSecond = Math.floorDiv(limit, 1000);
        int limitNano = Math.floorMod(limit, 1000) * 1_000_000;
        if (timestamp.getEpochSecond() < limitSecond
                || timestamp.getEpochSecond() == limitSecond && timestamp.getNano() <= limitNano) {
            return true;
        }
        if (out != null) {
            out.add(new Violation("timestamp", "expected at most " + limits.maxFutureSkew()
                    + " after the current time " + Instant.ofEpochMilli(now) + " (maxFutureSkew), got " + timestamp));
        }
        return false;
    }

    private boolean checkPropertiesFast(Map<String, Object> properties) {
        if (properties.size() > limits.maxProperties()) {
            return false;
        }
        try {
            properties.forEach(fastCheck);
            return true;
        } catch (Invalid e) {
            return false;
        }
    }

    /** Checks an object at nesting level {@code depth} (the properties object is level 1). */
    private boolean checkObject(String field, Map<?, ?> map, int depth, List<Violation> out) {
        if (map.size() > limits.maxProperties()) {
            if (out != null) {
                out.add(EventChecks.tooManyProperties(field, limits.maxProperties()));
            }
            return false;
        }
        boolean ok = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String name = (String) e.getKey();
            String child = out == null ? null : field + "." + name;
            if (name.length() > limits.maxStringLength()) {
                if (out == null) {
                    return false;
                }
                out.add(EventChecks.stringTooLong(child, name.length(), limits.maxStringLength()));
                ok = false;
            }
            if (!checkValue(child, e.getValue(), depth, out)) {
                if (out == null) {
                    return false;
                }
                ok = false;
            }
        }
        return ok;
    }

    /** Checks a value held by a container at nesting level {@code depth}. */
    private boolean checkValue(String field, Object value, int depth, List<Violation> out) {
        if (value instanceof String s) {
            if (s.length() <= limits.maxStringLength()) {
                return true;
            }
            if (out != null) {
                out.add(EventChecks.stringTooLong(field, s.length(), limits.maxStringLength()));
            }
            return false;
        }
        if (value instanceof BigDecimal bd) {
            return checkDecimal(field, bd, out);
        }
        if (!(value instanceof Map) && !(value instanceof List)) {
            return true;
        }
        if (depth >= limits.maxDepth()) {
            if (out != null) {
                out.add(EventChecks.tooDeep(field, limits.maxDepth()));
            }
            return false;
        }
        if (value instanceof Map<?, ?> map) {
            return checkObject(field, map, depth + 1, out);
        }
        List<?> list = (List<?>) value;
        boolean ok = true;
        for (int i = 0; i < list.size(); i++) {
            if (!checkValue(out == null ? null : field + "[" + i + "]", list.get(i), depth + 1, out)) {
                if (out == null) {
                    return false;
                }
                ok = false;
            }
        }
        return ok;
    }

    /**
     * A decimal as {@link JsonEventCodec} reads it back from the text it writes ({@code toString()}):
     * at most {@value JsonProblems#MAX_NUMBER_LENGTH} characters, an integer within 64 bits, or a
     * number within the range of a double; so an event valid here is not refused once it went
     * through Kafka.
     */
    private static boolean checkDecimal(String field, BigDecimal bd, List<Violation> out) {
        if (bd.precision() <= 18 && bd.scale() >= 0 && bd.scale() <= 30) {
            return true; // short, within 64 bits when integral, well within a double otherwise: no string made
        }
        String text = bd.toString();
        String problem;
        if (text.length() > JsonProblems.MAX_NUMBER_LENGTH) {
            problem = "expected a number of at most " + JsonProblems.MAX_NUMBER_LENGTH + " characters, got "
                    + JsonValues.describe(bd);
        } else if (text.indexOf('.') < 0 && text.indexOf('E') < 0) {
            if (bd.unscaledValue().bitLength() < 64) {
                return true;
            }
            problem = "expected an integer within 64 bits, got " + text;
        } else if (Double.isFinite(bd.doubleValue())) {
            return true;
        } else {
            problem = "expected a number within the range of a double, got " + text;
        }
        if (out != null) {
            out.add(new Violation(field, problem));
        }
        return false;
    }

    private static long saturatedMillis(Duration d) {
        try {
            return d.toMillis();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
