package io.profilekit;

import java.time.Duration;
import java.util.Objects;

/**
 * The size limits every event must keep, checked by {@link JsonEventCodec} while it parses and by
 * {@link EventValidator} on events built in process. Immutable and thread-safe.
 *
 * <p>Limits protect the process from hostile or broken senders: an event over a limit costs a
 * clear {@link Violation} and nothing more. Start from {@link #defaults()} and change what you need:
 * <pre>{@code
 * EventLimits limits = EventLimits.defaults().withMaxEventBytes(64 * 1024).withMaxFutureSkew(Duration.ofMinutes(5));
 * }</pre>
 *
 * @param maxEventBytes   the largest encoded event, in bytes of JSON (default 32 KiB)
 * @param maxDepth        the deepest nesting of objects and lists in {@code properties}, counting the
 *                        properties object itself as level 1 (default 16, at most {@value #MAX_DEPTH_CAP})
 * @param maxStringLength the longest string value or property name, in UTF-16 chars (default 8 KiB)
 * @param maxProperties   the most entries in {@code properties} and in any object nested in it (default 256)
 * @param maxUserIdBytes  the longest user id, in bytes of UTF-8 (default 256)
 * @param maxFutureSkew   how far after the current time an event's timestamp may be (default 1 hour);
 *                        zero allows no event from the future
 */
public record EventLimits(int maxEventBytes, int maxDepth, int maxStringLength, int maxProperties, int maxUserIdBytes,
                          Duration maxFutureSkew) {

    /** The deepest nesting a limit may allow; parsing is recursive, so the stack bounds it. */
    public static final int MAX_DEPTH_CAP = 1000;

    private static final EventLimits DEFAULTS =
            new EventLimits(32 * 1024, 16, 8 * 1024, 256, 256, Duration.ofHours(1));

    /**
     * Checks every limit.
     *
     * @throws IllegalArgumentException when a count is not positive, {@code maxDepth} is over
     *                                  {@value #MAX_DEPTH_CAP}, or the skew is negative
     * @throws NullPointerException     when {@code maxFutureSkew} is null
     */
    public EventLimits {
        positive("maxEventBytes", maxEventBytes);
        positive("maxDepth", maxDepth);
        positive("maxStringLength", maxStringLength);
        positive("maxProperties", maxProperties);
        positive("maxUserIdBytes", maxUserIdBytes);
        if (maxDepth > MAX_DEPTH_CAP) {
            throw new IllegalArgumentException("maxDepth must be at most " + MAX_DEPTH_CAP + ", got " + maxDepth);
        }
        Objects.requireNonNull(maxFutureSkew, "maxFutureSkew");
        if (maxFutureSkew.isNegative()) {
            throw new IllegalArgumentException("maxFutureSkew must not be negative, got " + maxFutureSkew);
        }
    }

    /** 32 KiB per event, depth 16, strings of 8 KiB chars, 256 properties, user ids of 256 bytes, 1 hour of skew. */
    public static EventLimits defaults() {
        return DEFAULTS;
    }

    /** These limits with another {@code maxEventBytes}. */
    public EventLimits withMaxEventBytes(int value) {
        return new EventLimits(value, maxDepth, maxStringLength, maxProperties, maxUserIdBytes, maxFutureSkew);
    }

    /** These limits with another {@code maxDepth}. */
    public EventLimits withMaxDepth(int value) {
        return new EventLimits(maxEventBytes, value, maxStringLength, maxProperties, maxUserIdBytes, maxFutureSkew);
    }

    /** These limits with another {@code maxStringLength}. */
    public EventLimits withMaxStringLength(int value) {
        return new EventLimits(maxEventBytes, maxDepth, value, maxProperties, maxUserIdBytes, maxFutureSkew);
    }

    /** These limits with another {@code maxProperties}. */
    public EventLimits withMaxProperties(int value) {
        return new EventLimits(maxEventBytes, maxDepth, maxStringLength, value, maxUserIdBytes, maxFutureSkew);
    }

    /** These limits with another {@code maxUserIdBytes}. */
    public EventLimits withMaxUserIdBytes(int value) {
        return new EventLimits(maxEventBytes, maxDepth, maxStringLength, maxProperties, value, maxFutureSkew);
    }

    /** These limits with another {@code maxFutureSkew}. */
    public EventLimits withMaxFutureSkew(Duration value) {
        return new EventLimits(maxEventBytes, maxDepth, maxStringLength, maxProperties, maxUserIdBytes, value);
    }

    private static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
    }
}
