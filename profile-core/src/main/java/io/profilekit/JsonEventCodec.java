package io.profilekit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.profilekit.internal.EventChecks;
import io.profilekit.internal.EventJsonReader;
import io.profilekit.internal.EventJsonWriter;
import io.profilekit.internal.JsonProblems;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Decodes events from JSON and encodes them to JSON, enforcing {@link EventLimits} while it parses.
 * Thread-safe and reusable: create one per set of limits and share it.
 *
 * <p>The wire format:
 * <pre>{@code
 * {"eventId":"7f1c...","userId":"u42","type":"purchase","timestamp":"2026-11-28T10:15:30.123Z",
 *  "sessionId":"s1","properties":{"order_id":"o-1","amount":19.99,"currency":"EUR"}}
 * }</pre>
 * <ul>
 *   <li>{@code userId}, {@code type} and {@code timestamp} are required; {@code eventId} gets a random
 *       UUID when missing; {@code sessionId} and {@code properties} may be missing or {@code null};
 *       any other field is refused.</li>
 *   <li>{@code timestamp} is read from an ISO-8601 string or a number of epoch milliseconds, and
 *       written as ISO-8601.</li>
 *   <li>Property values decode to {@code String}, {@code Long} (integers out of 64-bit range are
 *       refused), {@code Double} (must be finite), {@code Boolean}, {@code List}, {@code Map} and
 *       {@code null}. {@code BigDecimal} values are written as JSON numbers (and read back as
 *       {@code Double}); {@code Instant} values are written as ISO-8601 strings (and read back as
 *       strings).</li>
 * </ul>
 *
 * <p>Hostile input costs a clear error and nothing more: the byte length is checked before parsing;
 * nesting, string and number lengths and the number of properties are checked while parsing; invalid
 * UTF-8, duplicate keys, {@code NaN} and trailing content are refused. Every problem comes out as an
 * {@link InvalidEventException} listing the {@link Violation}s, with fields such as
 * {@code properties.amount}. The codec does not check the time skew nor schemas: that is the job of
 * {@link EventValidator}.
 */
public final class JsonEventCodec {
    private final EventLimits limits;
    private final JsonFactory factory;

    private JsonEventCodec(EventLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        // The envelope object is one level above properties, and one more level lets the reader's own
        // depth check, which names the field, fire before Jackson's. Jackson checks name lengths only
        // roughly: twice the limit lets the reader's exact check, which names the key, fire first.
        this.factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(limits.maxDepth() + 2)
                        .maxStringLength(limits.maxStringLength())
                        .maxNameLength((int) Math.min(Integer.MAX_VALUE, 2L * limits.maxStringLength()))
                        .maxNumberLength(JsonProblems.MAX_NUMBER_LENGTH)
                        .maxDocumentLength(limits.maxEventBytes())
                        .build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                .build();
    }

    /** A codec with {@link EventLimits#defaults()}. */
    public static JsonEventCodec create() {
        return new JsonEventCodec(EventLimits.defaults());
    }

    /** A codec enforcing the given limits. */
    public static JsonEventCodec create(EventLimits limits) {
        return new JsonEventCodec(limits);
    }

    /** The limits this codec enforces. */
    public EventLimits limits() {
        return limits;
    }

    /**
     * Decodes one event from UTF-8 JSON.
     *
     * @throws InvalidEventException with every problem found, when the bytes are not a valid event
     */
    public Event decode(byte[] json) {
        return EventJsonReader.read(factory, Objects.requireNonNull(json, "json"), limits);
    }

    /**
     * Decodes one event from JSON text. A lone surrogate char in the text is refused as it is in
     * UTF-8 bytes, naming the field, not replaced.
     *
     * @throws InvalidEventException with every problem found, when the text is not a valid event
     */
    public Event decode(String json) {
        Objects.requireNonNull(json, "json");
        // Refuse an oversized text before encoding it: every char takes at least one byte.
        if (json.length() > limits.maxEventBytes() || !EventChecks.fitsUtf8(json, limits.maxEventBytes())) {
            long bytes = json.length() > limits.maxEventBytes() ? json.length() : EventChecks.utf8Length(json);
            throw new InvalidEventException(EventChecks.tooLarge(bytes, limits.maxEventBytes()));
        }
        return decode(EventChecks.utf8(json));
    }

    /**
     * Encodes an event as UTF-8 JSON.
     *
     * @throws InvalidEventException when its properties nest deeper than {@code maxDepth}
     */
    public byte[] encode(Event event) {
        Objects.requireNonNull(event, "event");
        return WRITER.get().encode(event, limits.maxDepth());
    }

    /** Each thread's writer and its output buffer. */
    private static final ThreadLocal<EventJsonWriter> WRITER = ThreadLocal.withInitial(EventJsonWriter::new);

    /**
     * Encodes an event as JSON text.
     *
     * @throws InvalidEventException when its properties nest deeper than {@code maxDepth}
     */
    public String encodeToString(Event event) {
        return new String(encode(event), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "JsonEventCodec[" + limits + "]";
    }
}
