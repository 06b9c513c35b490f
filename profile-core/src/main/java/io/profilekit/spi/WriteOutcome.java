package io.profilekit.spi;

import java.util.Objects;

/**
 * What a store did with one {@link ProfileWrite}.
 *
 * @param userId the user
 * @param status written, or why not
 */
public record WriteOutcome(String userId, Status status) {
    public WriteOutcome {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(status, "status");
    }

    /** What happened to a write. */
    public enum Status {
        /** Stored. */
        WRITTEN,
        /** Not stored: the stored version is not the expected one (another writer came first). */
        CONFLICT,
        /** Not stored: the store holds a fence at or past one of the write's offsets (already applied). */
        STALE_FENCE
    }

    public boolean written() {
        return status == Status.WRITTEN;
    }
}
