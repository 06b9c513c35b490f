package io.profilekit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
     * @param delta what to apply
     * @param id    the id remembered with the profile once applied (a random 64-bit value)
     * @param time  the time remembered with the id (when the flush took it, epoch milliseconds)
     */
    record Sealed(Delta delta, long id, long time) {
    }

    private HashMap<String, Delta> pending = new HashMap<>();
    private HashMap<String, List<Sealed>> requeued = new HashMap<>();

    synchronized void add(String userId, Delta delta) {
        pending.merge(userId, delta, Delta::merge);
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
        pending.forEach((user, delta) -> out.computeIfAbsent(user, u -> new ArrayList<>(1))
                .add(new Sealed(delta, random.nextLong(), nowMillis)));
        pending = new HashMap<>();
        return out;
    }

    /** Gives back what a failed flush drained, to be applied (at most once each) by the next one. */
    synchronized void requeue(Map<String, List<Sealed>> drained) {
        drained.forEach((user, sealed) -> {
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
