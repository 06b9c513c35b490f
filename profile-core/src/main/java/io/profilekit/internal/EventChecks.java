package io.profilekit.internal;

import io.profilekit.EventLimits;
import io.profilekit.Violation;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Limit checks and their messages, shared by the JSON codec and the validator so that both report
 * the same problem in the same words. Not part of the API. Stateless and thread-safe.
 *
 * <p>Methods that take a {@code List<Violation> out} follow one convention: they return {@code true}
 * when everything is within limits; when {@code out} is {@code null} they return {@code false} at the
 * first problem without building any message (the allocation-free fast path), otherwise they add a
 * violation for every problem.
 */
public final class EventChecks {
    /** The longest event id, event type and session id, in chars. */
    public static final int MAX_ID_LENGTH = 256;

    private EventChecks() {
    }

    /** Checks the identifying fields of an event; {@code sessionId} may be null (no session). */
    public static boolean checkEnvelope(String eventId, String userId, String type, String sessionId,
                                        EventLimits limits, List<Violation> out) {
        boolean ok = checkId("eventId", eventId, out);
        if (!ok && out == null) {
            return false;
        }
        if (isBlank(userId)) {
            if (out == null) {
                return false;
            }
            out.add(new Violation("userId", "must not be blank"));
            ok = false;
        } else if (!fitsUtf8(userId, limits.maxUserIdBytes())) {
            if (out == null) {
                return false;
            }
            out.add(new Violation("userId", "expected at most " + limits.maxUserIdBytes() + " bytes of UTF-8, got "
                    + utf8Length(userId)));
            ok = false;
        }
        ok &= checkId("type", type, out);
        if (sessionId != null) {
            ok &= checkId("sessionId", sessionId, out);
        }
        return ok;
    }

    private static boolean checkId(String field, String value, List<Violation> out) {
        if (isBlank(value)) {
            if (out != null) {
                out.add(new Violation(field, "must not be blank"));
            }
            return false;
        }
        if (value.length() > MAX_ID_LENGTH) {
            if (out != null) {
                out.add(new Violation(field, "expected at most " + MAX_ID_LENGTH + " characters, got "
                        + value.length()));
            }
            return false;
        }
        return true;
    }

    /** Whether a string is empty or only whitespace, without allocating. */
    public static boolean isBlank(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isWhitespace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Whether the UTF-8 form of {@code s} has at most {@code maxBytes} bytes, without encoding it. */
    public static boolean fitsUtf8(String s, int maxBytes) {
        // A UTF-16 char never takes more than 3 bytes in UTF-8 (a surrogate pair takes 4 for 2 chars).
        return (long) s.length() * 3 <= maxBytes || utf8Length(s) <= maxBytes;
    }

    /** The length of the UTF-8 form of {@code s}; a lone surrogate counts as the 1 byte it is replaced by. */
    public static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                n++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /**
     * The UTF-8 form of {@code s}, as {@link String#getBytes} gives it, except that a lone surrogate
     * is written as the three bytes of its code unit instead of being replaced by {@code '?'}: the
     * JSON parser then refuses it as an illegal surrogate, naming the field, as it does in bytes,
     * instead of the text being silently changed.
     */
    public static byte[] utf8(String s) {
        int lone = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                lone++;
            }
        }
        if (lone == 0) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        byte[] out = new byte[(int) utf8Length(s) + 2 * lone];
        int at = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[at++] = (byte) c;
            } else if (c < 0x800) {
                out[at++] = (byte) (0xc0 | (c >> 6));
                out[at++] = (byte) (0x80 | (c & 0x3f));
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out[at++] = (byte) (0xf0 | (cp >> 18));
                out[at++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
                out[at++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
                out[at++] = (byte) (0x80 | (cp & 0x3f));
            } else {
                out[at++] = (byte) (0xe0 | (c >> 12));
                out[at++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                out[at++] = (byte) (0x80 | (c & 0x3f));
            }
        }
        return out;
    }

    /** A string value or property name over {@code maxStringLength}; {@code length} is -1 when unknown. */
    public static Violation stringTooLong(String field, long length, int max) {
        return new Violation(field, "expected a string of at most " + max + " characters (maxStringLength), got "
                + (length < 0 ? "a longer one" : length + " characters"));
    }

    /** Objects and lists nested deeper than {@code maxDepth}. */
    public static Violation tooDeep(String field, int maxDepth) {
        return new Violation(field, "nested deeper than " + maxDepth + " levels (maxDepth)");
    }

    /** An object with more entries than {@code maxProperties}. */
    public static Violation tooManyProperties(String field, int maxProperties) {
        return new Violation(field, "more than " + maxProperties + " properties (maxProperties)");
    }

    /** An encoded event over {@code maxEventBytes}. */
    public static Violation tooLarge(long bytes, int maxEventBytes) {
        return new Violation("event", "expected at most " + maxEventBytes + " bytes (maxEventBytes), got " + bytes);
    }
}
