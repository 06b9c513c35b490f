package io.profilekit.spi;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * One user's conditional write: store {@link #state} only if the stored version still is
 * {@link #expectedVersion} and every fence advances. All of it is applied atomically, or none.
 *
 * @param state           the new state; its version is {@code expectedVersion + 1}
 * @param expectedVersion the version the state was computed from (0 for a user not stored yet)
 * @param fences          the offsets this write applies, per source: the store refuses the write
 *                        when it already holds a fence at or past one of them (empty in direct mode)
 * @param ttl             how long the store keeps the profile without a further write, or
 *                        {@link Duration#ZERO} for no expiry
 */
public record ProfileWrite(ProfileState state, long expectedVersion, Map<String, Long> fences, Duration ttl) {
    public ProfileWrite {
        Objects.requireNonNull(state, "state");
        fences = Map.copyOf(fences);
        Objects.requireNonNull(ttl, "ttl");
        if (state.version() != expectedVersion + 1) {
            throw new IllegalArgumentException("state version " + state.version() + " must be expectedVersion + 1 = "
                    + (expectedVersion + 1));
        }
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must not be negative, got " + ttl);
        }
    }

    public String userId() {
        return state.userId();
    }
}
