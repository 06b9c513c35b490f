package io.profilekit.spi;

import io.profilekit.internal.SortedAttributes;
import io.profilekit.op.Operation;

import java.util.Map;
import java.util.Objects;

/**
 * A profile as stores keep it: the attributes' operations, the bookkeeping that gives
 * exactly-once effect (recent event ids and per-source offset fences), and a version for
 * compare-and-set writes. Immutable.
 *
 * <p>Stores treat it as an opaque value: they keep it, hand it back, and compare versions and
 * fences; all merging happens in core.
 *
 * @param userId        the user
 * @param version       incremented by each write; a profile that was never written has version 0
 * @param attributes    the attributes' operations by name
 * @param lastEventTime newest event time applied, epoch milliseconds, or {@link Long#MIN_VALUE}
 * @param seenEvents    recent event ids, for dropping resends
 * @param fences        per source (such as a Kafka topic-partition), the last offset applied
 * @param erasedAt      when the user was erased (a tombstone), epoch milliseconds, or {@link Long#MIN_VALUE}
 */
public record ProfileState(String userId, long version, Map<String, Operation> attributes, long lastEventTime,
                           SeenEvents seenEvents, Map<String, Long> fences, long erasedAt) {
    /** Marks "no time" in {@link #lastEventTime} and {@link #erasedAt}. */
    public static final long NONE = Long.MIN_VALUE;

    public ProfileState {
        Objects.requireNonNull(userId, "userId");
        attributes = SortedAttributes.copyOf(attributes);
        Objects.requireNonNull(seenEvents, "seenEvents");
        fences = fences.isEmpty() ? Map.of() : Map.copyOf(fences);
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, got " + version);
        }
    }

    /** The state of a user with no profile yet: version 0, nothing applied. */
    public static ProfileState empty(String userId) {
        return new ProfileState(userId, 0, Map.of(), NONE, SeenEvents.empty(), Map.of(), NONE);
    }

    /** The last offset applied from {@code source}, or -1. */
    public long fence(String source) {
        Long f = fences.get(source);
        return f == null ? -1 : f;
    }

    /** Whether this state is an erase tombstone. */
    public boolean erased() {
        return erasedAt != NONE;
    }
}
