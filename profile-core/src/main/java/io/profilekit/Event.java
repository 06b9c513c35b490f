package io.profilekit;

import io.profilekit.internal.JsonValues;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One interaction of a user: a page view, a click, a purchase, a form submission or a custom event.
 * Immutable.
 *
 * <p>Build one fluently; each step returns a new event:
 * <pre>{@code
 * Event e = Event.of("u42", "page_view")
 *         .at(Instant.parse("2026-11-28T10:15:30Z"))
 *         .with("url", "/shoes")
 *         .with("referrer", "https://search.example/?q=shoes");
 * }</pre>
 *
 * <p>Properties are JSON-like: {@code String}, numbers (held as {@code Long}, {@code Double} or
 * {@code BigDecimal}), {@code Boolean}, {@code Instant}, {@code List}, {@code Map<String, ?>} and
 * {@code null}. They are copied into an unmodifiable form when the event is built; a value of
 * another type, a non-finite number, or objects and lists nested deeper than
 * {@link EventLimits#MAX_DEPTH_CAP} levels (the properties being level 1) is refused with an
 * {@code IllegalArgumentException}.
 *
 * @param eventId    unique id of the event; used to drop resends, and to break ties between
 *                   events with the same timestamp. {@link #of} gives a random UUID.
 * @param userId     the user the event belongs to
 * @param type       the event type, such as {@code page_view}; selects the schema and the reducer rules
 * @param timestamp  when the event happened (event time); every operation is ordered by it
 * @param sessionId  the session the event belongs to, when the sender knows it
 * @param properties the event's properties, never null
 */
public record Event(String eventId, String userId, String type, Instant timestamp, Optional<String> sessionId,
                    Map<String, Object> properties) {

    public Event {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(sessionId, "sessionId (use Optional.empty())");
        properties = properties == null ? JsonValues.EMPTY_MAP : JsonValues.freezeMap(properties);
    }

    /**
     * Starts an event of the given type for the given user, with a random UUID as its id, the
     * current instant as its timestamp (set the real event time with {@link #at}), no session and no
     * properties.
     */
    public static Event of(String userId, String type) {
        return new Event(UUID.randomUUID().toString(), userId, type, Instant.now(), Optional.empty(),
                JsonValues.EMPTY_MAP);
    }

    /** This event with the given event time. */
    public Event at(Instant time) {
        return new Event(eventId, userId, type, time, sessionId, properties);
    }

    /** This event with the given id, for senders that have their own ids (resends keep the id). */
    public Event withId(String id) {
        return new Event(id, userId, type, timestamp, sessionId, properties);
    }

    /** This event in the given session. */
    public Event inSession(String session) {
        return new Event(eventId, userId, type, timestamp, Optional.of(session), properties);
    }

    /** This event with one more property (or the property replaced). */
    public Event with(String name, Object value) {
        Objects.requireNonNull(name, "name");
        LinkedHashMap<String, Object> copy = new LinkedHashMap<>(properties);
        copy.put(name, JsonValues.normalizeProperty(name, value));
        return new Event(eventId, userId, type, timestamp, sessionId, JsonValues.adoptMap(copy));
    }

    /** This event with the given properties added (or replaced). */
    public Event withAll(Map<String, ?> more) {
        LinkedHashMap<String, Object> copy = new LinkedHashMap<>(properties);
        for (Map.Entry<String, ?> e : more.entrySet()) {
            copy.put(Objects.requireNonNull(e.getKey(), "property name"), JsonValues.normalizeProperty(e.getKey(), e.getValue()));
        }
        return new Event(eventId, userId, type, timestamp, sessionId, JsonValues.adoptMap(copy));
    }

    /** The value of a property, or empty when the event does not have it or it is null. */
    public Optional<Object> property(String name) {
        return Optional.ofNullable(properties.get(name));
    }

    /**
     * The property as a string, or {@code null} when absent. Reducer operations skip null values,
     * so an optional property needs no {@code if}.
     *
     * @throws IllegalArgumentException when the property is there but is not a string
     */
    public String string(String name) {
        Object v = properties.get(name);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw wrongType(name, "a string", v);
    }

    /**
     * The property as a {@code long}, or {@code null} when absent.
     *
     * @throws IllegalArgumentException when it is not an integral number
     */
    public Long longValue(String name) {
        Object v = properties.get(name);
        if (v == null || v instanceof Long) {
            return (Long) v;
        }
        if (v instanceof BigDecimal bd) {
            try {
                return bd.longValueExact();
            } catch (ArithmeticException e) {
                throw wrongType(name, "an integer", v);
            }
        }
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 0x1p53) {
            return d.longValue();
        }
        throw wrongType(name, "an integer", v);
    }

    /**
     * The property as a {@code double}, or {@code null} when absent.
     *
     * @throws IllegalArgumentException when it is not a number
     */
    public Double doubleValue(String name) {
        Object v = properties.get(name);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw wrongType(name, "a number", v);
    }

    /**
     * The property as an exact decimal, or {@code null} when absent. A {@code double} property is
     * converted by its shortest decimal form ({@code 19.99} stays {@code 19.99}).
     *
     * @throws IllegalArgumentException when it is not a number
     */
    public BigDecimal decimal(String name) {
        Object v = properties.get(name);
        if (v == null || v instanceof BigDecimal) {
            return (BigDecimal) v;
        }
        if (v instanceof Long l) {
            return BigDecimal.valueOf(l);
        }
        if (v instanceof Double d) {
            return BigDecimal.valueOf(d);
        }
        throw wrongType(name, "a number", v);
    }

    /**
     * The property as a boolean, or {@code null} when absent.
     *
     * @throws IllegalArgumentException when it is not a boolean
     */
    public Boolean bool(String name) {
        Object v = properties.get(name);
        if (v == null || v instanceof Boolean) {
            return (Boolean) v;
        }
        throw wrongType(name, "a boolean", v);
    }

    /**
     * The property as a list, or {@code null} when absent.
     *
     * @throws IllegalArgumentException when it is not a list
     */
    @SuppressWarnings("unchecked")
    public List<Object> list(String name) {
        Object v = properties.get(name);
        if (v == null || v instanceof List) {
            return (List<Object>) v;
        }
        throw wrongType(name, "a list", v);
    }

    /**
     * The property as a map, or {@code null} when absent.
     *
     * @throws IllegalArgumentException when it is not an object
     */
    @SuppressWarnings("unchecked")
    public Map<String, Object> map(String name) {
        Object v = properties.get(name);
        if (v == null || v instanceof Map) {
            return (Map<String, Object>) v;
        }
        throw wrongType(name, "an object", v);
    }

    private IllegalArgumentException wrongType(String name, String expected, Object got) {
        return new IllegalArgumentException(type + "." + name + ": expected " + expected + ", got "
                + JsonValues.describe(got));
    }
}
