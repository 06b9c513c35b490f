package io.profilekit;

import io.profilekit.spi.ProfileState;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A store failed to load, but offers copies it kept of the requested profiles from before the
 * failure, each with its age; thrown by a caching store such as a near cache instead of returning
 * the copies as if they were fresh. {@link ProfileEngine#get} serves them marked stale
 * ({@link Profile#freshness()}); the engine's write path treats this as the store failure it is.
 *
 * <p>{@link #ages()} names every user the copies answer for; a user in it but not in
 * {@link #copies()} had no profile when last seen.
 */
public class StaleCopiesException extends ProfileStoreException {
    private static final long serialVersionUID = 1L;

    private final transient Map<String, ProfileState> copies;
    private final transient Map<String, Duration> ages;

    /**
     * @param cause  the store's failure
     * @param copies the copies kept, by user
     * @param ages   by user, how old the copy (or the knowledge that there is no profile) is
     */
    public StaleCopiesException(ProfileStoreException cause, Map<String, ProfileState> copies, Map<String, Duration> ages) {
        super(Objects.requireNonNull(cause, "cause").getMessage(), cause);
        this.copies = Map.copyOf(copies);
        this.ages = Map.copyOf(ages);
        if (!this.ages.keySet().containsAll(this.copies.keySet())) {
            throw new IllegalArgumentException("every copy needs an age; without one: "
                    + this.copies.keySet().stream().filter(id -> !this.ages.containsKey(id)).toList());
        }
    }

    /** The copies kept, by user. */
    public Map<String, ProfileState> copies() {
        return copies;
    }

    /** By user, the age of what the copies say about that user. */
    public Map<String, Duration> ages() {
        return ages;
    }
}
