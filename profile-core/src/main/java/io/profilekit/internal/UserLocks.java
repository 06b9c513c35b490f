package io.profilekit.internal;

import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-user locks, so that one process never runs two read-modify-write cycles for one user at
 * once, while batches of different users never wait for each other (a lock stripe shared by chance
 * would make two large batches take turns). A batch takes its users' locks in one total order
 * ({@link #ORDER}: by hash code, then by user id), so two batches cannot deadlock; a thread may
 * take a lock it already holds again (reentrant, like
 * {@link java.util.concurrent.locks.ReentrantLock}). A lock exists only while
 * held: an entry in a concurrent map. Waiting is not interruptible (an interrupt is kept for the
 * caller). Thread-safe. Not part of the API.
 */
public final class UserLocks {
    /**
     * The order locks are taken in: by hash code first, which compares two ints instead of two
     * strings that mostly share a prefix ({@code user-1234}), then by id, so it is a total order.
     */
    static final Comparator<String> ORDER = (a, b) -> {
        int c = Integer.compare(a.hashCode(), b.hashCode());
        return c != 0 ? c : a.compareTo(b);
    };

    private final ConcurrentHashMap<String, Lock> held = new ConcurrentHashMap<>();

    /** One held user lock; {@link #holds} is touched only by the owner thread. */
    private static final class Lock {
        final Thread owner = Thread.currentThread();
        int holds = 1;
        boolean released;
    }

    /** What {@link #lock} took, to give to {@link #unlock} once. */
    public static final class Held {
        private final String[] users;
        private final Lock[] locks;

        private Held(String[] users, Lock[] locks) {
            this.users = users;
            this.locks = locks;
        }
    }

    /** Locks the given users (duplicates allowed), waiting for other threads that hold any of them. */
    public Held lock(Collection<String> users) {
        String[] sorted = users.toArray(new String[0]);
        if (sorted.length > 1) {
            Arrays.sort(sorted, ORDER);
        }
        int n = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (i == 0 || !sorted[i].equals(sorted[i - 1])) {
                sorted[n++] = sorted[i];
            }
        }
        Lock[] locks = new Lock[n];
        boolean interrupted = false;
        int taken = 0;
        try {
            for (; taken < n; taken++) {
                String user = sorted[taken];
                while (true) {
                    Lock mine = new Lock();
                    Lock other;
                    try {
                        other = held.putIfAbsent(user, mine);
                    } catch (RuntimeException | Error e) {
                        held.remove(user, mine); // it may be in the map already (an error while resizing)
                        throw e;
                    }
                    if (other == null) {
                        locks[taken] = mine;
                        break;
                    }
                    if (other.owner == Thread.currentThread()) {
                        other.holds++;
                        locks[taken] = other;
                        break;
                    }
                    interrupted |= await(other);
                }
            }
        } catch (RuntimeException | Error e) {
            release(sorted, locks, taken);
            throw e;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return new Held(n == sorted.length ? sorted : Arrays.copyOf(sorted, n), locks);
    }

    /** Waits until {@code lock} is released; returns whether the thread was interrupted meanwhile. */
    private static boolean await(Lock lock) {
        boolean interrupted = false;
        synchronized (lock) {
            while (!lock.released) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        return interrupted;
    }

    /** Releases what {@link #lock} took. */
    public void unlock(Held h) {
        release(h.users, h.locks, h.locks.length);
    }

    private void release(String[] users, Lock[] locks, int count) {
        for (int i = count - 1; i >= 0; i--) {
            Lock lock = locks[i];
            if (--lock.holds > 0) {
                continue;
            }
            held.remove(users[i], lock);
            synchronized (lock) {
                lock.released = true;
                lock.notifyAll();
            }
        }
    }

    /** How many users are locked right now (for tests and metrics). */
    public int size() {
        return held.size();
    }
}
