package io.profilekit;

/**
 * Root of every unchecked exception that ProfileKit throws on purpose.
 *
 * <p>Catch this type to handle any ProfileKit failure; catch a subclass ({@link InvalidEventException},
 * {@link ProfileStoreException}) to act on one kind.
 */
public class ProfileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProfileException(String message) {
        super(message);
    }

    public ProfileException(String message, Throwable cause) {
        super(message, cause);
    }
}
