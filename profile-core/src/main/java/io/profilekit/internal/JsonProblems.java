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

    /** The violation for a failure of the parser (or generator) when it was at {@code field}. */
    public static Violation translate(JsonProcessingException e, String field, EventLimits limits) {
        String m = String.valueOf(e.getOriginalMessage());
        if (e instanceof StreamConstraintsException) {
            if (m.startsWith("String value length") || m.startsWith("Name length")) {
                return EventChecks.stringTooLong(field, -1, limits.maxStringLength());
            }
            if (m.startsWith("Number value length")) {
                return new Violation(field, "expected a number of at most " + MAX_NUMBER_LENGTH
                        + " characters, got a longer one");
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

    /** The path of the value a parser or generator is at, such as {@code properties.cart[2].sku}. */
    public static String path(JsonStreamContext context) {
        StringBuilder sb = new StringBuilder();
        appendPath(context, sb);
        if (sb.length() > MAX_PATH_LENGTH) {
            return sb.substring(0, MAX_PATH_LENGTH) + "...";
        }
        return sb.length() == 0 ? "event" : sb.toString();
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
