package io.profilekit.spi;

import java.util.Objects;

/**
 * One change to a user's live session, as {@link SessionStore#writeAll} applies it: store
 * {@code session} if the stored version is {@code session.version() - 1} (absent counts as 0), or,
 * with {@code remove}, remove the stored session if it is still {@code session}'s (same session id)
 * at {@code session.version()}.
 *
 * @param session the session to store, or the one to remove
 * @param remove  whether this removes {@code session} instead of storing it
 */
public record SessionWrite(SessionState session, boolean remove) {
    public SessionWrite {
        Objects.requireNonNull(session, "session");
    }

    /** Stores {@code session} (compare-and-set on its version). */
    public static SessionWrite store(SessionState session) {
        return new SessionWrite(session, false);
    }

    /** Removes {@code session} if it is still the one stored. */
    public static SessionWrite remove(SessionState session) {
        return new SessionWrite(session, true);
    }

    /** The user whose session this changes. */
    public String userId() {
        return session.userId();
    }
}
