package io.profilekit;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The reference for {@link JsonEventCodec#encode}: the wire format written through Jackson's
 * streaming generator, as the codec wrote it before it wrote by hand. For tests and benchmarks.
 */
public final class JacksonEventWriter {
    private JacksonEventWriter() {
    }

    public static void write(JsonGenerator g, Event event) throws IOException {
        g.writeStartObject();
        g.writeStringField("eventId", event.eventId());
        g.writeStringField("userId", event.userId());
        g.writeStringField("type", event.type());
        g.writeStringField("timestamp", event.timestamp().toString());
        if (event.sessionId().isPresent()) {
            g.writeStringField("sessionId", event.sessionId().get());
        }
        g.writeFieldName("properties");
        writeValue(g, event.properties());
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
            g.writeString(i.toString());
        } else if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                g.writeFieldName((String) e.getKey());
                writeValue(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof List<?> list) {
            g.writeStartArray();
            for (Object o : list) {
                writeValue(g, o);
            }
            g.writeEndArray();
        } else {
            throw new IllegalArgumentException("not a JSON-like value: " + v.getClass().getName());
        }
    }
}
