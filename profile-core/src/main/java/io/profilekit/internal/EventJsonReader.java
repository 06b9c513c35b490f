package io.profilekit.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.profilekit.Event;
import io.profilekit.EventLimits;
import io.profilekit.InvalidEventException;
import io.profilekit.Violation;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Reads one event from JSON bytes with a streaming parser, enforcing {@link EventLimits} as it goes
 * and turning every parse failure into a {@link Violation}. Not part of the API. One instance per
 * decode; not thread-safe.
 *
 * <p>Problems with a value (a wrong type, an out-of-range number, an unknown field) are collected
 * and parsing goes on, so that one error reports them all; a broken document or a broken limit stops
 * parsing at once.
 */
public final class EventJsonReader {
    private static final String FIELDS = "eventId, userId, type, timestamp, sessionId or properties";

    /** Stops parsing after a fatal violation has been recorded; carries no stack trace. */
    private static final class Abort extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Abort() {
            super(null, null, false, false);
        }
    }

    private final EventLimits limits;
    private final List<Violation> violations = new ArrayList<>();
    private JsonParser parser;

    private EventJsonReader(EventLimits limits) {
        this.limits = limits;
    }

    /**
     * Decodes an event.
     *
     * @throws InvalidEventException with every problem found, when the bytes are not a valid event
     */
    public static Event read(JsonFactory factory, byte[] json, EventLimits limits) {
        if (json.length > limits.maxEventBytes()) {
            throw new InvalidEventException(EventChecks.tooLarge(json.length, limits.maxEventBytes()));
        }
        if (!isUtf8(json)) {
            throw new InvalidEventException(new Violation("event", "expected JSON in UTF-8, got UTF-16 or UTF-32"));
        }
        return new EventJsonReader(limits).run(factory, json);
    }

    /**
     * Jackson detects UTF-16 and UTF-32 by their byte order marks and zero bytes; JSON on the wire is
     * UTF-8 (RFC 8259), where neither can start a document.
     */
    private static boolean isUtf8(byte[] json) {
        if (json.length >= 2 && ((json[0] & 0xFF) == 0xFE && (json[1] & 0xFF) == 0xFF
                || (json[0] & 0xFF) == 0xFF && (json[1] & 0xFF) == 0xFE)) {
            return false;
        }
        for (int i = 0; i < Math.min(4, json.length); i++) {
            if (json[i] == 0) {
                return false;
            }
        }
        return true;
    }

    private Event run(JsonFactory factory, byte[] json) {
        Event event = null;
        try {
            parser = factory.createParser(json);
            event = readEvent();
        } catch (Abort e) {
            // the violation is recorded
        } catch (JsonProcessingException e) {
            boolean inNumber = e instanceof StreamConstraintsException && parser != null
                    && JsonProblems.inNumber(json, parser.currentLocation().getByteOffset());
            violations.add(JsonProblems.translate(e, here(), limits, inNumber));
        } catch (IOException e) {
            violations.add(new Violation("event", "cannot be read: " + e.getMessage()));
        } catch (StackOverflowError e) {
            violations.add(EventChecks.tooDeep(here(), limits.maxDepth()));
        } finally {
            close();
        }
        if (event == null || !violations.isEmpty()) {
            throw new InvalidEventException(violations);
        }
        return event;
    }

    private void close() {
        try {
            if (parser != null) {
                parser.close();
            }
        } catch (IOException e) {
            // reading from memory: nothing to release
        }
    }

    private Event readEvent() throws IOException {
        JsonToken t = parser.nextToken();
        if (t != JsonToken.START_OBJECT) {
            throw fatal(new Violation("event", "expected a JSON object, got " + describe(t)));
        }
        String eventId = null;
        String userId = null;
        String type = null;
        String sessionId = null;
        Instant timestamp = null;
        Map<String, Object> properties = JsonValues.EMPTY_MAP;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            t = parser.nextToken();
            switch (name) {
                case "eventId" -> eventId = readString(name, t, true);
                case "userId" -> userId = readString(name, t, false);
                case "type" -> type = readString(name, t, false);
                case "sessionId" -> sessionId = readString(name, t, true);
                case "timestamp" -> timestamp = readTimestamp(t);
                case "properties" -> {
                    if (t == JsonToken.START_OBJECT) {
                        properties = readObject(1);
                    } else if (t != JsonToken.VALUE_NULL) {
                        problem(name, "expected an object, got " + describe(t));
                        parser.skipChildren();
                    }
                }
                default -> {
                    problem(JsonProblems.shorten(name), "unknown field (expected " + FIELDS + ")");
                    parser.skipChildren();
                }
            }
        }
        if (parser.nextToken() != null) {
            throw fatal(new Violation("event", "unexpected content after the event's closing brace"));
        }
        missing("userId", userId);
        missing("type", type);
        missing("timestamp", timestamp);
        if (!violations.isEmpty()) {
            return null;
        }
        eventId = eventId == null ? UUID.randomUUID().toString() : eventId;
        if (!EventChecks.checkEnvelope(eventId, userId, type, sessionId, limits, violations)) {
            return null;
        }
        return new Event(eventId, userId, type, timestamp, Optional.ofNullable(sessionId), properties);
    }

    private String readString(String field, JsonToken t, boolean nullable) throws IOException {
        if (t == JsonToken.VALUE_STRING) {
            return parser.getText();
        }
        if (t != JsonToken.VALUE_NULL || !nullable) {
            problem(field, "expected a string, got " + describe(t));
            parser.skipChildren();
        }
        return null;
    }

    private Instant readTimestamp(JsonToken t) throws IOException {
        try {
            if (t == JsonToken.VALUE_STRING) {
                return IsoInstant.parse(parser.getText());
            }
            if (t == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                return Instant.ofEpochMilli(parser.getLongValue());
            }
        } catch (DateTimeParseException e) {
            // reported below
        }
        problem("timestamp", "expected an ISO-8601 timestamp or epoch milliseconds, got " + describe(t));
        parser.skipChildren();
        return null;
    }

    /** Reads the entries of an object whose START_OBJECT was just read, at nesting level {@code depth}. */
    private Map<String, Object> readObject(int depth) throws IOException {
        LinkedHashMap<String, Object> map = new LinkedHashMap<>();
        int count = 0;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            if (++count > limits.maxProperties()) {
                throw fatal(EventChecks.tooManyProperties(JsonProblems.path(parser.getParsingContext().getParent()),
                        limits.maxProperties()));
            }
            if (name.length() > limits.maxStringLength()) {
                throw fatal(EventChecks.stringTooLong(JsonProblems.path(parser.getParsingContext()), name.length(),
                        limits.maxStringLength()));
            }
            map.put(name, readValue(parser.nextToken(), depth));
        }
        return JsonValues.adoptMap(map);
    }

    /** Reads the value at the current token, held by a container at nesting level {@code depth}. */
    private Object readValue(JsonToken t, int depth) throws IOException {
        switch (t) {
            case START_OBJECT:
            case START_ARRAY:
                if (depth >= limits.maxDepth()) {
                    throw fatal(EventChecks.tooDeep(JsonProblems.path(parser.getParsingContext()), limits.maxDepth()));
                }
                return t == JsonToken.START_OBJECT ? readObject(depth + 1) : readArray(depth + 1);
            case VALUE_STRING:
                String s = parser.getText();
                if (s.length() > limits.maxStringLength()) {
                    violations.add(EventChecks.stringTooLong(here(), s.length(), limits.maxStringLength()));
                    return null;
                }
                return s;
            case VALUE_NUMBER_INT:
                if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    problem(here(), "expected an integer within 64 bits, got " + parser.getText());
                    return null;
                }
                return parser.getLongValue();
            case VALUE_NUMBER_FLOAT:
                double d = parser.getDoubleValue();
                if (!Double.isFinite(d)) {
                    problem(here(), "expected a finite number, got " + parser.getText());
                    return null;
                }
                return d;
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw fatal(new Violation(here(), "unexpected " + t));
        }
    }

    private List<Object> readArray(int depth) throws IOException {
        List<Object> list = new ArrayList<>();
        JsonToken t;
        while ((t = parser.nextToken()) != JsonToken.END_ARRAY) {
            list.add(readValue(t, depth));
        }
        return JsonValues.adoptList(list);
    }

    private void missing(String field, Object value) {
        if (value == null && violations.stream().noneMatch(v -> v.field().equals(field))) {
            violations.add(new Violation(field, "required field is missing"));
        }
    }

    private void problem(String field, String message) {
        violations.add(new Violation(field, message));
    }

    private Abort fatal(Violation v) {
        violations.add(v);
        return new Abort();
    }

    private String here() {
        return parser == null ? "event" : JsonProblems.path(parser.getParsingContext());
    }

    private String describe(JsonToken t) throws IOException {
        if (t == null) {
            return "nothing";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "a list";
            case VALUE_STRING -> JsonValues.describe(parser.getText());
            default -> JsonValues.describe(parser.getText()).replace("\"", "");
        };
    }
}
