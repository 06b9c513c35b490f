package io.profilekit.spi;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Where live sessions are kept while they last: in memory by default, in Redis to survive a
 * restart and be shared by instances. Writes are compare-and-set on the session's version, like
 * profiles. Implementations must be thread-safe.
 */
public interface SessionStore extends AutoCloseable {

    /** The live sessions of the given users; users without one are absent. */
    Map<String, SessionState> loadAll(Collection<String> userIds);

    /**
     * Stores the session if the stored one has version {@code state.version() - 1} (absent counts
     * as 0). Returns false, changing nothing, when another writer came first.
     */
    boolean write(SessionState state);

    /** Removes the session if its stored version is {@code version}; false when it is not. */
    boolean remove(String userId, String sessionId, long version);

    /**
     * Applies the writes in order, each as {@link #write} or {@link #remove} would, in one round
     * trip where the backend allows: the engine hands over all the sessions a batch changed in one
     * call. A user may appear more than once; each write sees those before it. The default calls
     * {@link #write} and {@link #remove} one by one; a store with a network round trip per call
     * should override it.
     *
     * @return for each write, in order, whether it was applied (false when another writer came first)
     */
    default boolean[] writeAll(List<SessionWrite> writes) {
        boolean[] applied = new boolean[writes.size()];
        for (int i = 0; i < applied.length; i++) {
            SessionWrite w = writes.get(i);
            SessionState s = w.session();
            applied[i] = w.remove() ? remove(s.userId(), s.sessionId(), s.version()) : write(s);
        }
        return applied;
    }

    /**
     * Up to {@code limit} live sessions whose newest event is at or before {@code lastEventAtOrBefore}
     * (epoch milliseconds): the ones an inactivity gap has ended.
     */
    List<SessionState> idle(long lastEventAtOrBefore, int limit);

    /** Removes the user's session whatever its version (erasure). */
    void erase(String userId);

    @Override
    default void close() {
    }
}
