package io.profilekit;

import io.profilekit.spi.SessionState;
import io.profilekit.spi.SessionStore;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link SessionStore} in this process's memory. Sessions are few (one per active user) and
 * short-lived: the engine removes each when it commits it. Thread-safe.
 */
public final class InMemorySessionStore implements SessionStore {
    private final ConcurrentHashMap<String, SessionState> sessions = new ConcurrentHashMap<>();

    @Override
    public Map<String, SessionState> loadAll(Collection<String> userIds) {
        Map<String, SessionState> out = new HashMap<>();
        for (String id : userIds) {
            SessionState s = sessions.get(id);
            if (s != null) {
                out.put(id, s);
            }
        }
        return out;
    }

    @Override
    public boolean write(SessionState state) {
        boolean[] ok = {false};
        sessions.compute(state.userId(), (id, cur) -> {
            long stored = cur == null ? 0 : cur.version();
            if (stored != state.version() - 1) {
                return cur;
            }
            ok[0] = true;
            return state;
        });
        return ok[0];
    }

    @Override
    public boolean remove(String userId, String sessionId, long version) {
        boolean[] ok = {false};
        sessions.computeIfPresent(userId, (id, cur) -> {
            if (cur.version() != version || !cur.sessionId().equals(sessionId)) {
                return cur;
            }
            ok[0] = true;
            return null;
        });
        return ok[0];
    }

    @Override
    public List<SessionState> idle(long lastEventAtOrBefore, int limit) {
        List<SessionState> out = new ArrayList<>();
        for (SessionState s : sessions.values()) {
            if (s.lastEvent() <= lastEventAtOrBefore) {
                out.add(s);
                if (out.size() >= limit) {
                    break;
                }
            }
        }
        return out;
    }

    @Override
    public void erase(String userId) {
        sessions.remove(userId);
    }
}
