package io.profilekit.internal;

import com.fasterxml.jackson.core.io.NumberOutput;
import io.profilekit.Event;
import io.profilekit.InvalidEventException;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes one event as JSON in the wire format's field order: the bytes Jackson's generator wrote
 * for it (doubles by Jackson's fast writer, as the codec configured it), written by hand on a
 * reused {@link JsonBytes} buffer, with the codec's depth limit checked on the way. Not part of the
 * API; one instance per thread (not thread-safe).
 */
public final class EventJsonWriter extends JsonBytes {
    /** Past this, the buffer of one huge event is let go after it. */
    private static final int KEPT = 64 * 1024;

    /** The path to the value being written, for the depth error: a name, or null and an index, per level. */
    private String[] names = new String[8];
    private int[] indexes = new int[8];

    public EventJsonWriter() {
        super(512);
    }

    /**
     * The event as UTF-8 JSON; {@code sessionId} is left out when the event has none.
     *
     * @throws InvalidEventException when its properties nest deeper than {@code maxDepth} levels
     *                               (the properties object being the first), naming where
     * @throws IllegalArgumentException when a property holds a value that is not JSON-like
     */
    public byte[] encode(Event event, int maxDepth) {
        reset();
        try {
            raw("{\"eventId\":");
            string(event.eventId());
            raw(",\"userId\":");
            string(event.userId());
            raw(",\"type\":");
            string(event.type());
            raw(",\"timestamp\":\"");
            isoInstant(event.timestamp());
            raw('"');
            if (event.sessionId().isPresent()) {
                raw(",\"sessionId\":");
                string(event.sessionId().get());
            }
            raw(",\"properties\":");
            names[0] = "properties";
            object(event.properties(), 1, maxDepth);
            raw('}');
            return toByteArray();
        } finally {
            release(KEPT);
        }
    }

    /** A map starting at {@code level} (the properties object is level 1), its path up to {@code level - 1} set. */
    private void object(Map<?, ?> map, int level, int maxDepth) {
        enter(level, maxDepth);
        raw('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!first) {
                raw(',');
            }
            first = false;
            String name = (String) e.getKey();
            string(name);
            raw(':');
            names[level] = name;
            value(e.getValue(), level + 1, maxDepth);
        }
        raw('}');
    }

    private void value(Object v, int level, int maxDepth) {
        if (plainScalar(v)) {
            return;
        }
        if (v instanceof Double d) {
            String text = NumberOutput.toString(d, true);
            if (d.isNaN() || d.isInfinite()) {
                string(text);
            } else {
                raw(text);
            }
        } else if (v instanceof Map<?, ?> m) {
            object(m, level, maxDepth);
        } else if (v instanceof List<?> list) {
            enter(level, maxDepth);
            raw('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    raw(',');
                }
                names[level] = null;
                indexes[level] = i;
                value(list.get(i), level + 1, maxDepth);
            }
            raw(']');
        } else {
            throw new IllegalArgumentException("not a JSON-like value: " + v.getClass().getName());
        }
    }

    /** Refuses a container at {@code level} beyond {@code maxDepth}, naming the value it is. */
    private void enter(int level, int maxDepth) {
        if (level > maxDepth) {
            throw new InvalidEventException(EventChecks.tooDeep(path(level), maxDepth));
        }
        if (level >= names.length) {
            names = Arrays.copyOf(names, level * 2);
            indexes = Arrays.copyOf(indexes, level * 2);
        }
    }

    /** The path of the value at {@code level}, such as {@code properties.cart[2].sku}. */
    private String path(int level) {
        StringBuilder sb = new StringBuilder("properties");
        for (int l = 1; l < level; l++) {
            if (names[l] != null) {
                sb.append('.').append(JsonProblems.shorten(names[l]));
            } else {
                sb.append('[').append(indexes[l]).append(']');
            }
        }
        return JsonProblems.capped(sb);
    }
}
