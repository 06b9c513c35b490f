package io.profilekit.kafka;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.profilekit.ProfileChange;
import io.profilekit.internal.IsoInstant;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON value of a {@code profile-updates} record, keyed by user id:
 * <pre>{@code
 * {"userId":"u42","version":7,
 *  "changes":{"page_views":{"before":6,"after":7},"last_url":{"before":"/a","after":"/shoes"}},
 *  "causes":["7f1c..."]}
 * }</pre>
 * An attribute that had no value has {@code "before":null}; one that lost its value has
 * {@code "after":null}. Instants are ISO-8601 strings; exact decimals are JSON numbers.
 */
public final class ChangeRecords {
    private static final JsonFactory JSON = new JsonFactory();

    private ChangeRecords() {
    }

    /** Encodes one change as UTF-8 JSON. */
    public static byte[] encode(ProfileChange change) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + 64 * change.changes().size());
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            write(g, change);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    /**
     * An encoder for one thread that reuses its output buffer between changes (the same bytes as
     * {@link #encode}). Not thread-safe.
     */
    static final class Encoder {
        private final ByteArrayBuilder out = new ByteArrayBuilder(1024);

        byte[] encode(ProfileChange change) {
            out.reset();
            try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
                write(g, change);
            } catch (IOException e) {
                throw new UncheckedIOException("writing to memory cannot fail", e);
            }
            return out.toByteArray();
        }
    }

    private static void write(JsonGenerator g, ProfileChange change) throws IOException {
        g.writeStartObject();
        g.writeStringField("userId", change.userId());
        g.writeNumberField("version", change.version());
        g.writeObjectFieldStart("changes");
        for (ProfileChange.AttributeChange c : change.changes()) {
            g.writeObjectFieldStart(c.name());
            g.writeFieldName("before");
            write(g, c.before());
            g.writeFieldName("after");
            write(g, c.after());
            g.writeEndObject();
        }
        g.writeEndObject();
        g.writeArrayFieldStart("causes");
        for (String id : change.causeEventIds()) {
            g.writeString(id);
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void write(JsonGenerator g, Optional<Object> value) throws IOException {
        write(g, value.orElse(null));
    }

    private static void write(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String s) {
            g.writeString(s);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                g.writeString(d.toString());
            } else {
                g.writeNumber(d);
            }
        } else if (v instanceof Float f) {
            g.writeNumber(f);
        } else if (v instanceof BigDecimal bd) {
            g.writeNumber(bd);
        } else if (v instanceof BigInteger bi) {
            g.writeNumber(bi);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Instant i) {
            g.writeString(IsoInstant.format(i));
        } else if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                write(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof Collection<?> c) {
            g.writeStartArray();
            for (Object o : c) {
                write(g, o);
            }
            g.writeEndArray();
        } else {
            g.writeString(v.toString());
        }
    }
}
