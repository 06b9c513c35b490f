package io.profilekit.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import io.profilekit.Event;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Writes one event as JSON with a streaming generator, in the wire format's field order. Not part of
 * the API. Stateless and thread-safe.
 */
public final class EventJsonWriter {
    private EventJsonWriter() {
    }

    /** Writes the event as one JSON object; {@code sessionId} is left out when the event has none. */
    public static void write(JsonGenerator g, Event event) throws IOException {
        g.writeStartObject();
        g.writeStringField("eventId", event.eventId());
        g.writeStringField("userId", event.userId());
        g.writeStringField("type", event.type());
        g.writeStringField("timestamp", IsoInstant.format(event.timestamp()));
        if (event.sessionId().isPresent()) {
            g.writeStringField("sessionId", event.sessionId().get());
        }
        g.writeFieldName("properties");
        writeObject(g, event.properties());
        g.writeEndObject();
    }

    private static void writeObject(JsonGenerator g, Map<?, ?> map) throws IOException {
        g.writeStartObject();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            g.writeFieldName((String) e.getKey());
            writeValue(g, e.getValue());
        }
        g.writeEndObject();
    }

    private static void writeValue(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String s) {
            g.writeString(s);
        } else if (v instanceof Long l) {
            g.writeNumber(l);
        } else if (v instanceof Double d) {
            g.writeNumber(d);
        } else if (v instanceof BigDecimal bd) {
            g.writeNumber(bd);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Instant i) {
            g.writeString(IsoInstant.format(i));
        } else if (v instanceof Map<?, ?> m) {
            writeObject(g, m);
        } else if (v instanceof List<?> list) {
            g.writeStartArray();
            for (int i = 0; i < list.size(); i++) {
                writeValue(g, list.get(i));
            }
            g.writeEndArray();
        } else {
            throw new IllegalArgumentException("not a JSON-like value: " + v.getClass().getName());
        }
    }
}
