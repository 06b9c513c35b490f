package io.profilekit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Non-critical parts of applied events, coalesced per user until the next flush: a burst of events
 * for one user becomes one delta and one write. A flush takes each user's delta {@link Sealed
 * sealed} with an id of its own, which the flush remembers in the profile's recent event ids when
 * it applies it; a flush that failed gives its sealed deltas back ({@link #requeue}) and the next one
 * applies each at most once, even where the failed write reached the store for some users.
 * Thread-safe.
 */
final class DeferredDeltas {
    /**
     * One user's coalesced delta as taken by a flush.
     *
     * @param delta       what to apply
     * @param id          the id remembered with the profile once applied (a random 64-bit value)
     * @param time        the time remembered with the id (when the flush took it, epoch milliseconds)
     * @param newestEvent the newest event time among the events coalesced (an erase at or after it
     *                    erased them all)
     */
    record Sealed(Delta delta, long id, long time, long newestEvent) {
    }

    /** A user's delta coalesced so far, with its newest event time. */
    private record Pending(Delta delta, long newestEvent) {
        Pending merge(Pending later) {
            return new Pending(delta.merge(later.delta), Math.max(newestEvent, later.newestEvent));
        }
    }

    private HashMap<String, Pending> pending = new HashMap<>();
    private HashMap<String, List<Sealed>> requeued = new HashMap<>();

    /**
     * Adds the deferred part of an event of {@code userId} that happened at {@code eventTime},
     * applied to a profile erased at {@code erasedAt} ({@link io.profilekit.spi.ProfileState#NONE}
     * when it was not): what is pending from before that erase (another instance's) is dropped first,
     * so that it is not merged into what comes after.
     */
    synchronized void add(String userId, Delta delta, long eventTime, long erasedAt) {
        if (erasedAt != io.profilekit.spi.ProfileState.NONE) {
            Pending before = pending.get(userId);
            if (before != null && before.newestEvent() <= erasedAt) {
                pending.remove(userId);
            }
            List<Sealed> given = requeued.get(userId);
            if (given != null && given.removeIf(s -> s.newestEvent() <= erasedAt) && given.isEmpty()) {
                requeued.remove(userId);
            }
        }
        pending.merge(userId, new Pending(delta, eventTime), Pending::merge);
    }

    synchronized void remove(String userId) {
        pending.remove(userId);
        requeued.remove(userId);
    }

    /**
     * Takes everything pending, leaving nothing: per user, the deltas given back by failed flushes
     * (oldest first), then the delta coalesced since, sealed now with a new id and {@code nowMillis}.
     */
    synchronized Map<String, List<Sealed>> drain(long nowMillis) {
        if (pending.isEmpty() && requeued.isEmpty()) {
            return Map.of();
        }
        Map<String, List<Sealed>> out = requeued;
        requeued = new HashMap<>();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        pending.forEach((user, p) -> out.computeIfAbsent(user, u -> new ArrayList<>(1))
                .add(new Sealed(p.delta(), random.nextLong(), nowMillis, p.newestEvent())));
        pending = new HashMap<>();
        return out;
    }

    /**
     * Gives back what a failed flush drained for the users whose write did not land, to be applied
     * (at most once each) by the next one.
     */
    synchronized void requeue(Map<String, List<Sealed>> drained, Set<String> landed) {
        drained.forEach((user, sealed) -> {
            if (landed.contains(user)) {
                return;
            }
            List<Sealed> later = requeued.put(user, new ArrayList<>(sealed));
            if (later != null) {
                requeued.get(user).addAll(later);
            }
        });
    }

    synchronized int users() {
        int n = pending.size();
        for (String user : requeued.keySet()) {
            if (!pending.containsKey(user)) {
                n++;
            }
        }
        return n;
    }
}
