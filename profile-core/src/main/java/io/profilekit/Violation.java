package io.profilekit;

import java.util.Objects;

/**
 * One problem found in an event: the field it concerns (such as {@code purchase.amount} or
 * {@code userId}) and a message that names the offending value.
 *
 * <p>{@link #toString()} gives the form used in error messages: {@code field: message}, for example
 * {@code purchase.amount: expected a number >= 0, got "abc"}.
 *
 * @param field   the path of the field, never null
 * @param message what is wrong, naming the value, never null
 */
public record Violation(String field, String message) {
    public Violation {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return field + ": " + message;
    }
}
