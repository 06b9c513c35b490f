package io.profilekit.spi;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.profilekit.op.Operation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * Turns a {@link SessionState} into versioned JSON and back, exactly, for stores that keep live
 * sessions as bytes. The aggregates are written like a profile's attributes (see
 * {@link ProfileStateCodec}), so every operation and value type survives.
 *
 * <pre>{@code
 * {"v":1,"user":"u42","id":"u42@2026-11-28T10:00:00Z","explicit":false,"start":1795860000000,
 *  "last":1795860720000,"events":3,"pageViews":3,"version":2,
 *  "aggs":{"events":{"k":"counter","n":3,"t":1795860720000}}}
 * }</pre>
 *
 * <p>Aggregates are written sorted by name, so equal sessions give equal bytes. A reader refuses
 * format versions it does not know. Thread-safe; stateless.
 */
public final class SessionStateCodec {
    /** The version written in field {@code v}. */
    public static final int FORMAT_VERSION = 1;

    private SessionStateCodec() {
    }

    /**
     * Encodes a session as UTF-8 JSON.
     *
     * @throws IllegalArgumentException when an aggregate holds a value that is not JSON-like
     */
    public static byte[] encode(SessionState s) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(256)) {
            try (JsonGenerator g = ProfileStateCodec.JSON.createGenerator(out)) {
                g.writeStartObject();
                g.writeNumberField("v", FORMAT_VERSION);
                g.writeStringField("user", s.userId());
                g.writeStringField("id", s.sessionId());
                g.writeBooleanField("explicit", s.explicitId());
                g.writeNumberField("start", s.start());
                g.writeNumberField("last", s.lastEvent());
                g.writeNumberField("events", s.events());
                g.writeNumberField("pageViews", s.pageViews());
                g.writeNumberField("version", s.version());
                if (!s.aggregates().isEmpty()) {
                    g.writeObjectFieldStart("aggs");
                    String[] names = s.aggregates().keySet().toArray(new String[0]);
                    Arrays.sort(names);
                    for (String name : names) {
                        g.writeFieldName(name);
                        StateWriter.writeOperation(g, name, s.aggregates().get(name));
                    }
                    g.writeEndObject();
                }
                g.writeEndObject();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Decodes UTF-8 JSON written by {@link #encode}.
     *
     * @throws IllegalArgumentException when the input is not such JSON; the message says where and
     *                                  what was wrong ({@code session state at events: expected an integer, got "x"})
     */
    public static SessionState decode(byte[] json) {
        try (JsonParser p = ProfileStateCodec.JSON.createParser(json)) {
            return read(p, new StateReader(p, "session state"));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("session state: not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("session state: " + e.getMessage(), e);
        }
    }

    /** Decodes a JSON string; see {@link #decode(byte[])}. */
    public static SessionState decode(String json) {
        return decode(json.getBytes(StandardCharsets.UTF_8));
    }

    private static SessionState read(JsonParser p, StateReader r) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw r.error("expected a JSON object, got " + r.describeCurrent());
        }
        String first = p.nextFieldName();
        if (!"v".equals(first)) {
            throw r.error("expected the format version field \"v\" first, got "
                    + (first == null ? r.describeCurrent() : "\"" + first + "\""));
        }
        r.push("v");
        long v = r.readLong();
        if (v != FORMAT_VERSION) {
            throw r.error("unsupported format version " + v + " (this ProfileKit reads version " + FORMAT_VERSION + ")");
        }
        r.pop();
        String user = null;
        String id = null;
        Boolean explicit = null;
        Long start = null;
        Long last = null;
        Long events = null;
        Long pageViews = null;
        Long version = null;
        Map<String, Operation> aggs = Map.of();
        for (String f; (f = p.nextFieldName()) != null; ) {
            r.push(f);
            switch (f) {
                case "user" -> user = r.readString();
                case "id" -> id = r.readString();
                case "explicit" -> explicit = r.readBoolean();
                case "start" -> start = r.readLong();
                case "last" -> last = r.readLong();
                case "events" -> events = r.readLong();
                case "pageViews" -> pageViews = r.readLong();
                case "version" -> version = r.readLong();
                case "aggs" -> aggs = r.readAttributes();
                default -> throw r.error("unknown field");
            }
            r.pop();
        }
        if (p.nextToken() != null) {
            throw r.error("unexpected content after the session state: " + r.describeCurrent());
        }
        try {
            return new SessionState(need(user, "user"), need(id, "id"), need(explicit, "explicit"), need(start, "start"),
                    need(last, "last"), need(events, "events"), need(pageViews, "pageViews"), aggs,
                    need(version, "version"));
        } catch (IllegalArgumentException e) {
            throw r.error(e.getMessage());
        }
    }

    private static <T> T need(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException("missing field \"" + field + "\"");
        }
        return value;
    }
}
