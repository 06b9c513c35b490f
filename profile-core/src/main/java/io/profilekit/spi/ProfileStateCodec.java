package io.profilekit.spi;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Turns a {@link ProfileState} into versioned JSON and back, exactly: every operation family, and
 * every value type ({@code Long}, {@code Double}, {@code BigDecimal}, {@code Instant} come back as
 * the same type with the same value, a {@code BigDecimal} with the same scale). For stores that keep
 * profiles as bytes; the text is meant to be readable with {@code redis-cli} or {@code jq}.
 *
 * <pre>{@code
 * {"v":2,"user":"u42","version":7,"last":1717171717000,
 *  "attrs":{"purchases":{"k":"counter","n":3,"t":1717171717000},
 *           "total":{"k":"sum","n":"59.90","t":1717171717000},
 *           "plan":{"k":"set","val":"pro","t":1717171700000,"tie":-8817166447218462375}},
 *  "seen":"ho7I9vljAAAAAAAAACoK//////////cAAAAAAAAAABE=","fences":{"events-3":1041}}
 * }</pre>
 *
 * <p>Values: strings, booleans, null, lists and objects are plain JSON; a {@code Long} is a JSON
 * integer and a {@code Double} a JSON number with a fraction or exponent; a {@code BigDecimal} is
 * {@code {"$d":"59.90"}}, an {@code Instant} {@code {"$t":"2024-06-01T12:00:00.123456789Z"}}, and an
 * object with a key starting with {@code $} is wrapped as {@code {"$m":{...}}}. Times of operations
 * and of the profile ({@code t}, {@code last}, {@code erased}) are epoch milliseconds; fields of the
 * profile holding no time are left out. Attributes, fences and the keys of object values are written
 * sorted by name, so equal states give equal bytes. The recent event ids in {@code seen} are bookkeeping, kept compact as
 * one base64 string: per id, its event time as a zigzag varint of the difference to the previous
 * id's, then its 64-bit hash as 8 bytes big-endian (see them with
 * {@code jq -r .seen | base64 -d | xxd}). The format version is {@value #FORMAT_VERSION}; a reader
 * also reads version 1 (where {@code seen} is a list of {@code [time, hash]} pairs) and refuses
 * versions it does not know.
 *
 * <p>The JSON is written by hand (the same bytes Jackson's generator gave) and read back by a
 * parser made for exactly that layout; input in any other shape (format 1, whitespace, fields in
 * another order) or with an error goes to a streaming Jackson reader, which reads it or names
 * where and what is wrong.
 *
 * <p>Thread-safe; keeps one output buffer (4 to 64 KiB) per thread that encodes.
 */
public final class ProfileStateCodec {
    /** The version written in field {@code v}. */
    public static final int FORMAT_VERSION = 2;

    /**
     * Reads names and strings of any length, as {@link FastStateReader} does: the input is in
     * memory already, so Jackson's default limits (50,000 characters a name, 20,000,000 a string)
     * would only make the streaming reader refuse states the fast one reads.
     */
    static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNameLength(Integer.MAX_VALUE)
                    .maxStringLength(Integer.MAX_VALUE)
                    .build())
            .build();

    private ProfileStateCodec() {
    }

    /**
     * Encodes a state as UTF-8 JSON.
     *
     * @throws IllegalArgumentException when an attribute holds a value that is not JSON-like
     *                                  (see {@link io.profilekit.op.Operation}), or a non-finite double
     */
    public static byte[] encode(ProfileState state) {
        FastStateWriter out = WRITER.get();
        out.reset();
        out.write(state);
        byte[] json = out.toByteArray();
        out.release(KEPT_BUFFER); // a rare huge state does not pin its buffer to the thread
        return json;
    }

    private static final int KEPT_BUFFER = 64 * 1024;

    /** Each thread's writer and its output buffer. */
    private static final ThreadLocal<FastStateWriter> WRITER = ThreadLocal.withInitial(() -> new FastStateWriter(4096));

    /** Encodes a state as a JSON string; see {@link #encode}. */
    public static String encodeToString(ProfileState state) {
        return new String(encode(state), StandardCharsets.UTF_8);
    }

    /**
     * Decodes UTF-8 JSON written by {@link #encode}.
     *
     * <p>A state read in the layout {@link #encode} writes keeps a copy of its attributes' JSON
     * (the caller may reuse {@code json}): when the engine builds the next version of the profile
     * from it, {@link #encode} copies the attributes that did not change instead of encoding them
     * again, and the next version lets go of the copy once encoded. The engine's and the near
     * cache's copies of profiles keep no such JSON.
     *
     * @throws IllegalArgumentException when the input is not such JSON; the message says where
     *                                  (for example {@code attrs.visits.n}) and what was wrong
     */
    public static ProfileState decode(byte[] json) {
        ProfileState fast = FastStateReader.tryRead(json);
        return fast != null ? fast : decodeStreaming(json);
    }

    /** The streaming reader alone: slower, and says where and what is wrong. */
    static ProfileState decodeStreaming(byte[] json) {
        try (JsonParser p = JSON.createParser(json)) {
            return new StateReader(p).read();
        } catch (IOException e) {
            throw new IllegalArgumentException("profile state: not valid JSON: " + e.getMessage(), e);
        }
    }

    /** Decodes a JSON string; see {@link #decode(byte[])}. */
    public static ProfileState decode(String json) {
        return decode(json.getBytes(StandardCharsets.UTF_8));
    }

    /** The JSON field holding each operation family's name ({@link io.profilekit.op.Operation#kind()}). */
    static final String KIND = "k";

}
