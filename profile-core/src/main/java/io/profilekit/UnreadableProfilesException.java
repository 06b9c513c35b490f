package io.profilekit;

import io.profilekit.spi.ProfileState;

import java.util.Map;
import java.util.Objects;

/**
 * Some stored profiles cannot be read (written in a format this version does not know, holding
 * another user's state, damaged), and the others of the same load could: thrown by
 * {@link io.profilekit.spi.ProfileStore#loadAll} with both. The engine then applies the events of the
 * readable users and rejects those of the unreadable ones, naming the problem (through Kafka they go
 * to the dead-letter topic), instead of failing the whole batch again and again; a read of an
 * unreadable profile serves the engine's last-known-good copy of it, marked stale, or fails with this
 * exception. Such a profile is left as it is, for inspection; {@link ProfileEngine#erase} still
 * erases it.
 */
public class UnreadableProfilesException extends ProfileStoreException {
    private static final long serialVersionUID = 1L;

    private final transient Map<String, ProfileState> readable;
    private final transient Map<String, String> problems;

    /**
     * @param readable the profiles of the load that were read, by user (users without a profile absent)
     * @param problems by user, why the stored profile cannot be read; at least one
     * @param cause    the first problem's exception, or null
     */
    public UnreadableProfilesException(Map<String, ProfileState> readable, Map<String, String> problems,
                                       Throwable cause) {
        super(message(problems), cause);
        this.readable = Map.copyOf(readable);
        this.problems = Map.copyOf(problems);
    }

    private static String message(Map<String, String> problems) {
        if (Objects.requireNonNull(problems, "problems").isEmpty()) {
            throw new IllegalArgumentException("an UnreadableProfilesException needs at least one unreadable profile");
        }
        String first = problems.values().iterator().next();
        return problems.size() == 1 ? first
                : problems.size() + " stored profiles cannot be read; one of them: " + first;
    }

    /** The profiles of the load that were read, by user. */
    public Map<String, ProfileState> readable() {
        return readable;
    }

    /** By user, why the stored profile cannot be read. */
    public Map<String, String> problems() {
        return problems;
    }
}
