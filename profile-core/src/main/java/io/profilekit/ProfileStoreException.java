package io.profilekit;

/**
 * A {@link io.profilekit.spi.ProfileStore} could not load, write or erase: the backend is down,
 * timed out, or answered with an error. The backend's own exception, if any, is the cause.
 */
public class ProfileStoreException extends ProfileException {
    private static final long serialVersionUID = 1L;

    public ProfileStoreException(String message) {
        super(message);
    }

    public ProfileStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
