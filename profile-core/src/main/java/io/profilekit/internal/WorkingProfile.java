package io.profilekit.internal;

import io.profilekit.Delta;
import io.profilekit.op.Operation;
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileWrite;
import io.profilekit.spi.SeenEvents;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One user's profile while a batch is applied to it: copied from the stored state on the first
 * change, then mutated in place, then frozen into one {@link ProfileWrite}. Not thread-safe: one
 * applier owns it for the length of a batch. Not part of the API.
 */
public final class WorkingProfile {
    private final ProfileState base;
    private final int seenCapacity;
    private HashMap<String, Operation> attributes;
    private SeenEvents.Builder seen;
    private HashMap<String, Long> fences;
    private HashMap<String, Long> advancedFences;
    private long lastEventTime;
    private final List<String> causes = new ArrayList<>(2);

    public WorkingProfile(ProfileState base, int seenCapacity) {
        this.base = base;
        this.seenCapacity = seenCapacity;
        this.lastEventTime = base.lastEventTime();
    }

    public ProfileState base() {
        return base;
    }

    /** Whether an event at {@code time} predates the user's erasure. */
    public boolean erasedAfter(long time) {
        return base.erased() && time <= base.erasedAt();
    }

    /** Whether {@code offset} from {@code source} is at or below the fence: already applied. */
    public boolean fenced(String source, long offset) {
        Long f = fences != null ? fences.get(source) : null;
        return offset <= (f != null ? f : base.fence(source));
    }

    /** Whether an event with this time and id hash was applied before. */
    public boolean seen(long time, long hash) {
        return seen != null ? seen.contains(time, hash) : base.seenEvents().contains(time, hash);
    }

    /** Whether the recent-id window can still tell if an event this old was applied. */
    public boolean verifiable(long time, long hash) {
        return seen != null ? seen.covers(time, hash) : base.seenEvents().covers(time, hash, seenCapacity);
    }

    /** Applies one event's delta and remembers the event. */
    public void apply(Delta delta, long time, long hash, String eventId) {
        if (attributes == null) {
            attributes = new HashMap<>(base.attributes());
        }
        for (int i = 0, n = delta.size(); i < n; i++) {
            attributes.merge(delta.name(i), delta.operation(i), Operation::merge);
        }
        if (seen == null) {
            seen = base.seenEvents().toBuilder(seenCapacity);
        }
        seen.add(time, hash);
        lastEventTime = Math.max(lastEventTime, time);
        causes.add(eventId);
    }

    /** Records that {@code offset} of {@code source} has been dealt with (applied or skipped). */
    public void advanceFence(String source, long offset) {
        if (fences == null) {
            fences = new HashMap<>(base.fences());
            advancedFences = new HashMap<>(4);
        }
        fences.merge(source, offset, Math::max);
        advancedFences.merge(source, offset, Math::max);
    }

    /** Whether anything needs writing. */
    public boolean changed() {
        return attributes != null || advancedFences != null;
    }

    /** The ids of the events applied, in order. */
    public List<String> causes() {
        return causes;
    }

    public Map<String, Operation> attributes() {
        return attributes != null ? attributes : base.attributes();
    }

    /** The conditional write of everything applied. */
    public ProfileWrite toWrite(Duration ttl) {
        ProfileState next = new ProfileState(base.userId(), base.version() + 1, attributes(), lastEventTime,
                seen != null ? seen.build() : base.seenEvents(), fences != null ? fences : base.fences(),
                base.erasedAt());
        return new ProfileWrite(next, base.version(), advancedFences != null ? advancedFences : Map.of(), ttl);
    }
}
