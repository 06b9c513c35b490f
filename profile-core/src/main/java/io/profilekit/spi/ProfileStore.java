package io.profilekit.spi;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Where profiles live: the in-memory store, Redis, or your own. Small on purpose: a store loads,
 * writes conditionally and erases; every merge happens in core, so every store gives the same
 * profile for the same events. A new store proves itself by extending the contract test suite
 * ({@code io.profilekit.ProfileStoreContract} in the profile-core test-jar).
 *
 * <p>Implementations must be thread-safe. Each method may throw
 * {@link io.profilekit.ProfileStoreException} when the backend fails; a failed
 * {@link #writeAll} must not leave any one user's write half applied.
 */
public interface ProfileStore extends AutoCloseable {

    /**
     * Loads the stored states of the given users, in one round trip where the backend allows.
     * Users with nothing stored are absent from the result. An erased user's tombstone is returned
     * as a state with {@link ProfileState#erased()} true.
     *
     * @throws io.profilekit.UnreadableProfilesException when some stored states cannot be read, with
     *                                                   the states of the others
     */
    Map<String, ProfileState> loadAll(Collection<String> userIds);

    /**
     * Applies each write if, and only if, the stored version equals its
     * {@link ProfileWrite#expectedVersion()} (0 when nothing is stored) and the stored fence of each
     * of its sources is below the write's offset. Writes for distinct users are independent; the
     * caller never passes two writes for one user in one call. One round trip where the backend
     * allows.
     *
     * @return one outcome per write, in the order of {@code writes}
     */
    List<WriteOutcome> writeAll(List<ProfileWrite> writes);

    /**
     * Erases a user: atomically replaces whatever is stored by a tombstone state (no attributes,
     * no fences, {@code erasedAt} set, version incremented), kept for the store's tombstone retention,
     * so that late or replayed events cannot bring the user back. Erasing an erased user keeps the
     * later erase time. A state written later that still carries {@code erasedAt} (the tombstone with
     * a fence moved, or a profile started after the erase) is kept at least as long as a tombstone,
     * whatever shorter TTL its write asks for, so the erase time outlives a replay of the topics.
     */
    void erase(String userId, Instant erasedAt);

    /** Releases what the store created; never closes clients the application passed in. */
    @Override
    default void close() {
    }
}
