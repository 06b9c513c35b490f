package io.profilekit.internal;

import io.profilekit.Delta;
import io.profilekit.Profile;
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
    private SortedAttributes.Builder attributes;
    private SortedAttributes built;
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

    /** Whether the recent-id window can still tell if an event this old was applied. */
    public boolean verifiable(long time, long hash) {
        return seen != null ? seen.covers(time, hash) : base.seenEvents().covers(time, hash, seenCapacity);
    }

    /**
     * Remembers an event as applied; returns false when it was applied before (a duplicate).
     * Call before {@link #apply}.
     */
    public boolean remember(long time, long hash) {
        if (seen == null) {
            if (base.seenEvents().contains(time, hash)) {
                return false;
            }
            seen = base.seenEvents().toBuilder(seenCapacity);
        }
        return seen.add(time, hash);
    }

    /** Applies one event's delta; {@link #remember} must have accepted the event. */
    public void apply(Delta delta, long time, String eventId) {
        if (attributes == null) {
            attributes = SortedAttributes.copyOf(base.attributes()).toBuilder();
        }
        // the first event merges immutably (most users get one event per batch); from the second on,
        // runs of operations on an attribute are folded into accumulators, frozen once at the end
        if (causes.isEmpty()) {
            for (int i = 0, n = delta.size(); i < n; i++) {
                attributes.merge(delta.name(i), delta.operation(i));
            }
        } else {
            for (int i = 0, n = delta.size(); i < n; i++) {
                attributes.fold(delta.name(i), delta.operation(i));
            }
        }
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
        return attributes != null || advancedFences != null || built != null;
    }

    /** The ids of the events applied, in order. */
    public List<String> causes() {
        return causes;
    }

    /** The attributes after everything applied; call once, after the last {@link #apply}. */
    public Map<String, Operation> attributes() {
        if (attributes != null && built == null) {
            built = attributes.build();
        }
        return built != null ? built : base.attributes();
    }

    /**
     * Whether the attribute, when it is a windowed count, still holds {@code bucket} in its window
     * as applied so far (true for any other attribute). Cheaper than {@link #attribute}: a fold in
     * progress is not frozen to answer.
     */
    public boolean windowKeeps(String name, long bucket) {
        if (built == null && attributes != null) {
            return attributes.keepsBucket(name, bucket);
        }
        return SortedAttributes.keeps(attribute(name), bucket);
    }

    /** The attribute's operation as applied so far, or null. */
    public Operation attribute(String name) {
        if (built != null) {
            return built.get(name);
        }
        return attributes != null ? attributes.get(name) : base.attributes().get(name);
    }

    /**
     * The conditional write of everything applied. Attributes whose time to live (by name in
     * {@code ttls}) has passed at {@code nowMillis} are left out: expired data is purged on write,
     * judged as reads judge it ({@link Profile#expired}).
     */
    public ProfileWrite toWrite(Duration ttl, Map<String, Duration> ttls, long nowMillis) {
        Map<String, Operation> attrs = attributes();
        if (!ttls.isEmpty()) {
            boolean expired = false;
            for (Map.Entry<String, Duration> t : ttls.entrySet()) {
                Operation op = attrs.get(t.getKey());
                if (op != null && Profile.expired(op.updatedAt(), t.getValue(), nowMillis)) {
                    expired = true;
                    break;
                }
            }
            if (expired) {
                Map<String, Operation> kept = new HashMap<>();
                attrs.forEach((name, op) -> {
                    Duration d = ttls.get(name);
                    if (d == null || !Profile.expired(op.updatedAt(), d, nowMillis)) {
                        kept.put(name, op);
                    }
                });
                attrs = kept;
            }
        }
        ProfileState next = new ProfileState(base.userId(), base.version() + 1, attrs, lastEventTime,
                seen != null ? seen.build() : base.seenEvents(), fences != null ? fences : base.fences(),
                base.erasedAt());
        return new ProfileWrite(next, base.version(), advancedFences != null ? advancedFences : Map.of(), ttl);
    }

    /** The newest event time applied so far (epoch milliseconds), or {@link ProfileState#NONE}. */
    public long lastEventTime() {
        return lastEventTime;
    }
}
