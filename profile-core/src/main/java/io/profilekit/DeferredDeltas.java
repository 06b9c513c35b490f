package io.profilekit;

import java.util.HashMap;
import java.util.Map;

/**
 * Non-critical parts of applied events, coalesced per user until the next flush: a burst of events
 * for one user becomes one delta and one write. Thread-safe.
 */
final class DeferredDeltas {
    private HashMap<String, Delta> pending = new HashMap<>();

    synchronized void add(String userId, Delta delta) {
        pending.merge(userId, delta, Delta::merge);
    }

    synchronized void remove(String userId) {
        pending.remove(userId);
    }

    /** Takes everything pending, leaving nothing. */
    synchronized Map<String, Delta> drain() {
        if (pending.isEmpty()) {
            return Map.of();
        }
        Map<String, Delta> out = pending;
        pending = new HashMap<>();
        return out;
    }

    synchronized int users() {
        return pending.size();
    }
}
