package io.profilekit.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.profilekit.EventLimits;
import io.profilekit.Violation;

/**
 * Turns Jackson's exceptions and parse positions into {@link Violation}s that name the field, such
 * as {@code properties.cart[2].sku}. Not part of the API. Stateless and thread-safe.
 */
public final class JsonProblems {
    /** Numbers longer than this many characters are refused before they are converted. */
    public static final int MAX_NUMBER_LENGTH = 64;

    private static final int MAX_PATH_LENGTH = 200;
    private static final int MAX_NAME_LENGTH = 64;

    private JsonProblems() {
    }

    /**
     * The violation for a failure of the parser (or generator) when it was at {@code field};
     * {@code inNumber} tells whether the parser stopped inside a number (see {@link #inNumber}).
     */
    public static Violation translate(JsonProcessingException e, String field, EventLimits limits, boolean inNumber) {
        String m = String.valueOf(e.getOriginalMessage());
        if (e instanceof StreamConstraintsException) {
            if (m.startsWith("String value length") && inNumber) {
                // Jackson gathers the digits of a long number in its text buffer and checks them
                // against the string limit first.
                return numberTooLong(field);
            }
            if (m.startsWith("String value length")) {
                return EventChecks.stringTooLong(field, -1, limits.maxStringLength());
            }
            if (m.startsWith("Name length")) {
                return new Violation(field, "expected property names of at most " + limits.maxStringLength()
                        + " characters (maxStringLength), got a longer one");
            }
            if (m.startsWith("Number value length")) {
                return numberTooLong(field);
            }
            if (m.startsWith("Document nesting depth")) {
                return EventChecks.tooDeep(field, limits.maxDepth());
            }
        }
        if (m.startsWith("Non-standard token '") && m.indexOf('\'', 20) > 20) {
            return new Violation(field, "expected a finite number, got " + m.substring(20, m.indexOf('\'', 20)));
        }
        if (m.startsWith("Duplicate field ")) {
            return new Violation(field, "duplicate key " + shorten(m.substring(16).replace('\'', '"')));
        }
        int hint = m.indexOf(": enable `");
        m = hint > 0 ? m.substring(0, hint) : m;
        m = m.length() > MAX_PATH_LENGTH ? m.substring(0, MAX_PATH_LENGTH) + "..." : m;
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        return new Violation(field, "malformed JSON" + where + ": " + m);
    }

    private static Violation numberTooLong(String field) {
        return new Violation(field, "expected a number of at most " + MAX_NUMBER_LENGTH + " characters, got a longer one");
    }

    /**
     * Whether the parser stopped inside a number: the run of number characters before {@code offset}
     * starts right after a separator, not after the quote or the text of a string.
     */
    public static boolean inNumber(byte[] json, long offset) {
        int i = (int) Math.min(offset, json.length) - 1;
        while (i >= 0 && isNumberChar(json[i])) {
            i--;
        }
        return i >= 0 && i < offset - 1 && (json[i] == ':' || json[i] == ',' || json[i] == '[' || json[i] == ' '
                || json[i] == '\n' || json[i] == '\r' || json[i] == '\t');
    }

    private static boolean isNumberChar(byte b) {
        return b >= '0' && b <= '9' || b == '-' || b == '+' || b == '.' || b == 'e' || b == 'E';
    }

    /** The path of the value a parser or generator is at, such as {@code properties.cart[2].sku}. */
    public static String path(JsonStreamContext context) {
        StringBuilder sb = new StringBuilder();
        appendPath(context, sb);
        return sb.length() == 0 ? "event" : capped(sb);
    }

    /** A path cut to a length fit for a message. */
    public static String capped(CharSequence path) {
        return path.length() > MAX_PATH_LENGTH ? path.subSequence(0, MAX_PATH_LENGTH) + "..." : path.toString();
    }

    /** A property name cut to a length fit for a message. */
    public static String shorten(String name) {
        return name.length() > MAX_NAME_LENGTH ? name.substring(0, MAX_NAME_LENGTH - 3) + "..." : name;
    }

    private static void appendPath(JsonStreamContext c, StringBuilder sb) {
        if (c == null || c.inRoot()) {
            return;
        }
        appendPath(c.getParent(), sb);
        if (c.inObject() && c.hasCurrentName()) {
            sb.append(sb.length() == 0 ? "" : ".").append(shorten(c.getCurrentName()));
        } else if (c.inArray() && c.hasCurrentIndex()) {
            sb.append('[').append(c.getCurrentIndex()).append(']');
        }
    }
}
