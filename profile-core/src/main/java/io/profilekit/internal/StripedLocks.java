package io.profilekit.internal;

import java.util.Arrays;
import java.util.Collection;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed set of locks that users hash onto, so that one process never runs two read-modify-write
 * cycles for one user at once. Locks of a batch are taken in ascending stripe order, so two
 * batches cannot deadlock. Thread-safe. Not part of the API.
 */
public final class StripedLocks {
    private final ReentrantLock[] locks;
    private final int mask;

    public StripedLocks(int stripes) {
        int n = Integer.highestOneBit(Math.max(1, stripes - 1)) << 1;
        locks = new ReentrantLock[n];
        for (int i = 0; i < n; i++) {
            locks[i] = new ReentrantLock();
        }
        mask = n - 1;
    }

    public int stripe(String key) {
        int h = key.hashCode();
        return (h ^ (h >>> 16)) & mask;
    }

    /** Locks the stripes of the given keys; returns them, sorted, for {@link #unlock}. */
    public int[] lock(Collection<String> keys) {
        int[] s = new int[keys.size()];
        int i = 0;
        for (String k : keys) {
            s[i++] = stripe(k);
        }
        Arrays.sort(s);
        int n = 0;
        for (int j = 0; j < s.length; j++) {
            if (j == 0 || s[j] != s[j - 1]) {
                s[n++] = s[j];
            }
        }
        int[] held = Arrays.copyOf(s, n);
        int locked = 0;
        try {
            for (int stripe : held) {
                locks[stripe].lock();
                locked++;
            }
        } catch (RuntimeException | Error e) {
            for (int j = 0; j < locked; j++) {
                locks[held[j]].unlock();
            }
            throw e;
        }
        return held;
    }

    public void unlock(int[] held) {
        for (int j = held.length - 1; j >= 0; j--) {
            locks[held[j]].unlock();
        }
    }
}
