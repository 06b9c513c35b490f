package io.profilekit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.profilekit.internal.SortedAttributes;
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.SeenEvents;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine's last-known-good copies of the profiles it has read, kept current by its own writes
 * and erases, for serving reads (marked stale) while the store fails. Bounded (least recently used
 * go first). Thread-safe.
 *
 * <p>Each copy is stamped when kept. A read keeps what it loaded only if no copy of that user was
 * kept since the read began, so a read that raced a write or an erase cannot put an older state
 * back. (Stamps, not versions: versions start again after a profile or a tombstone expires.)
 */
final class FallbackCopies {
    /** A copy: the state (lean), when it was kept (clock millis), and its stamp. */
    record Copy(ProfileState state, long atMillis, long stamp) {
    }

    private final Cache<String, Copy> copies;
    private final AtomicLong stamps = new AtomicLong();

    FallbackCopies(int maximumSize) {
        this.copies = Caffeine.newBuilder().maximumSize(maximumSize).build();
    }

    /** To take before a read's load, and give to {@link #loaded}. */
    long readStarting() {
        return stamps.get();
    }

    /** Keeps a state a read loaded, unless a copy of the user was kept since the read began. */
    void loaded(ProfileState state, long nowMillis, long readStarted) {
        Copy fresh = new Copy(SortedAttributes.lean(state), nowMillis, stamps.incrementAndGet());
        copies.asMap().merge(state.userId(), fresh, (old, neu) -> old.stamp() > readStarted ? old : neu);
    }

    /** Replaces the copy of a user already read by a state this engine wrote (under the user's lock). */
    void written(ProfileState state, long nowMillis) {
        copies.asMap().computeIfPresent(state.userId(),
                (id, old) -> new Copy(SortedAttributes.lean(state), nowMillis, stamps.incrementAndGet()));
    }

    /**
     * Keeps a tombstone as the copy of an erased user (under the user's lock): a read that loaded
     * the profile before the erase cannot put it back, and a store outage serves no profile.
     */
    void erased(String userId, long versionBefore, long erasedAt, long nowMillis) {
        copies.put(userId, new Copy(new ProfileState(userId, versionBefore + 1, Map.of(), ProfileState.NONE,
                SeenEvents.empty(), Map.of(), erasedAt), nowMillis, stamps.incrementAndGet()));
    }

    /** The copy of a user, or null. */
    Copy get(String userId) {
        return copies.getIfPresent(userId);
    }
}
