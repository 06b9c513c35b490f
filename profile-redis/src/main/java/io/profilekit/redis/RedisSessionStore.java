package io.profilekit.redis;

import io.profilekit.ProfileStoreException;
import io.profilekit.spi.SessionState;
import io.profilekit.spi.SessionStateCodec;
import io.profilekit.spi.SessionStore;
import io.profilekit.spi.SessionWrite;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import redis.clients.jedis.params.ZRangeParams;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * A {@link SessionStore} in Redis: live sessions survive an application restart and are shared by
 * the instances on one Redis, through a Jedis client the application owns.
 *
 * <pre>{@code
 * ProfileEngine engine = ProfileEngine.builder().reducer(reducer).store(profiles)
 *         .sessions(Duration.ofMinutes(30))
 *         .sessionStore(RedisSessionStore.builder(redis).build())
 *         .build();
 * }</pre>
 *
 * <p><b>Layout.</b> Each user's live session is one hash, key {@code <prefix><userId>} (default
 * prefix {@code pks:}): {@code s} the session as {@link SessionStateCodec} JSON (read it with
 * {@code redis-cli HGET pks:u42 s}), {@code v} its version and {@code i} its session id. Writes and removals are
 * compare-and-set on {@code v}, each one Lua script on that one key. One sorted set, key
 * {@link Builder#indexKey} (default {@code pks-idle}), holds each user with the event time of its
 * session's newest event as score, for {@link #idle}.
 *
 * <p><b>Redis Cluster.</b> Every per-user operation touches the user's key only, so users spread
 * over the cluster; no hash tags are used. The index is the one cross-user key: a write updates it
 * with a second command in the same pipeline (not atomically with the session), and {@link #idle}
 * is the only operation that reads it and then the sessions it names. So the index is a hint, and
 * the sessions are the truth: {@code idle} returns a session only when the session itself is idle,
 * re-scores entries whose session moved on, and drops entries whose session is gone (only if the
 * entry did not change meanwhile). An entry is added after every write attempt, even one that lost
 * a race, so a stored session always has one.
 *
 * <p>Errors surface as {@link ProfileStoreException} with the Jedis exception as cause. Thread-safe
 * if the client is; {@link #close()} does nothing: the client belongs to the application.
 */
public final class RedisSessionStore implements SessionStore {
    private static final Logger log = LoggerFactory.getLogger(RedisSessionStore.class);
    /** KEYS: session. ARGV: expected version, new version, state, session id. Returns 1 written, 0 conflict. */
    static final String WRITE_SCRIPT = """
            if (redis.call('HGET', KEYS[1], 'v') or '0') ~= ARGV[1] then return 0 end
            redis.call('HSET', KEYS[1], 's', ARGV[3], 'v', ARGV[2], 'i', ARGV[4])
            return 1
            """;
    /** KEYS: session. ARGV: version, session id. Returns 1 removed, 0 not (other version or session). */
    static final String REMOVE_SCRIPT = """
            local stored = redis.call('HMGET', KEYS[1], 'v', 'i')
            if stored[1] ~= ARGV[1] or stored[2] ~= ARGV[2] then return 0 end
            redis.call('DEL', KEYS[1])
            return 1
            """;
    /**
     * KEYS: index. ARGV: (member, score read, new score or '-' to remove) triples. Changes an entry
     * only if its score still is the one read. Returns how many it changed.
     */
    static final String INDEX_SCRIPT = """
            local changed = 0
            for i = 1, #ARGV, 3 do
              local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
              if score and tonumber(score) == tonumber(ARGV[i + 1]) then
                if ARGV[i + 2] == '-' then
                  redis.call('ZREM', KEYS[1], ARGV[i])
                else
                  redis.call('ZADD', KEYS[1], ARGV[i + 2], ARGV[i])
                end
                changed = changed + 1
              end
            end
            return changed
            """;

    private static final byte[] STATE = bytes("s");

    private final UnifiedJedis client;
    private final String keyPrefix;
    private final String indexKey;
    private final Script write = new Script(WRITE_SCRIPT);
    private final Script remove = new Script(REMOVE_SCRIPT);
    private final Script index = new Script(INDEX_SCRIPT);
    private final LongAdder roundTrips = new LongAdder();

    private RedisSessionStore(Builder b) {
        this.client = b.client;
        this.keyPrefix = b.keyPrefix;
        this.indexKey = b.indexKey;
    }

    /** A builder for a store on {@code client}; the store never closes it. Not thread-safe. */
    public static Builder builder(UnifiedJedis client) {
        return new Builder(client);
    }

    /** The Redis key of a user's live session. */
    public String key(String userId) {
        return keyPrefix + userId;
    }

    /** How many round trips to Redis this store has made (a pipeline counts one). */
    public long roundTrips() {
        return roundTrips.sum();
    }

    /** The key of the sorted set of users by their session's newest event time. */
    public String indexKey() {
        return indexKey;
    }

    @Override
    public Map<String, SessionState> loadAll(Collection<String> userIds) {
        if (userIds.isEmpty()) {
            return Map.of();
        }
        return load(new ArrayList<>(userIds), false);
    }

    /**
     * The sessions of {@code users}, in one round trip. With {@code skipUnreadable} (for
     * {@link #idle}), one this store cannot read is logged and left out (its index entry is then
     * removed like a missing session's, and the key is left for inspection), so that it does not
     * stop every other session from ending; otherwise it fails the call.
     */
    private Map<String, SessionState> load(List<String> users, boolean skipUnreadable) {
        List<Response<byte[]>> responses = new ArrayList<>(users.size());
        try (AbstractPipeline p = client.pipelined()) {
            for (String id : users) {
                responses.add(p.hget(bytes(key(id)), STATE));
            }
            roundTrips.increment();
            p.sync();
        } catch (JedisException e) {
            throw failure("loading " + users.size() + " session(s)", e);
        }
        Map<String, SessionState> out = new HashMap<>();
        for (int i = 0; i < users.size(); i++) {
            byte[] json = get(responses.get(i), "loading the session at key " + key(users.get(i)));
            if (json == null) {
                continue;
            }
            try {
                out.put(users.get(i), decode(users.get(i), json));
            } catch (ProfileStoreException e) {
                if (!skipUnreadable) {
                    throw e;
                }
                log.error("idle session left out and dropped from the index {}: {} (the key is left as it is)",
                        indexKey, e.getMessage());
            }
        }
        return out;
    }

    @Override
    public boolean write(SessionState state) {
        return writeAll(List.of(SessionWrite.store(state)))[0];
    }

    @Override
    public boolean remove(String userId, String sessionId, long version) {
        String key = key(userId);
        Object result = remove.run(List.of(bytes(key)), List.of(bytes(Long.toString(version)), bytes(sessionId)),
                "removing the session at key " + key, p -> null);
        return result instanceof Long l && l == 1;
    }

    /**
     * Applies the writes in order in one pipeline (one round trip): each a script call on its user's
     * key, and for each stored session its entry in the index, whatever the script answers (see the
     * class comment). Calls Redis answered {@code NOSCRIPT} are sent once more with {@code EVAL}, in
     * a second round trip, together with the later writes of their users that were not applied (they
     * ran without the refused write before them), so each user's writes still apply in order.
     */
    @Override
    public boolean[] writeAll(List<SessionWrite> writes) {
        boolean[] applied = new boolean[writes.size()];
        int[] todo = new int[writes.size()];
        for (int i = 0; i < todo.length; i++) {
            todo[i] = i;
        }
        for (int attempt = 0; todo.length > 0; attempt++) {
            List<Response<Object>> results = new ArrayList<>(todo.length);
            List<Response<Long>> entries = new ArrayList<>(todo.length);
            try (AbstractPipeline p = client.pipelined()) {
                for (int i : todo) {
                    SessionWrite w = writes.get(i);
                    Script script = w.remove() ? remove : write;
                    List<byte[]> keys = List.of(bytes(key(w.userId())));
                    results.add(attempt == 0 ? p.evalsha(script.sha, keys, args(w)) : p.eval(script.text, keys, args(w)));
                    entries.add(w.remove() ? null : p.zadd(indexKey, w.session().lastEvent(), w.userId()));
                }
                roundTrips.increment();
                p.sync();
            } catch (JedisException e) {
                throw failure("writing " + todo.length + " session(s) (first at key " + key(writes.get(todo[0]).userId())
                        + ") and their entries in the index " + indexKey, e);
            }
            int again = 0;
            Set<String> refused = null; // users with a write refused by NOSCRIPT in this attempt
            for (int k = 0; k < todo.length; k++) {
                int i = todo[k];
                SessionWrite w = writes.get(i);
                String what = (w.remove() ? "removing" : "writing") + " the session at key " + key(w.userId());
                try {
                    applied[i] = results.get(k).get() instanceof Long l && l == 1;
                    if (!applied[i] && refused != null && refused.contains(w.userId())) {
                        // it ran before an earlier write of its user that was refused, so it saw the
                        // session without that write: sent again after it
                        todo[again++] = i;
                    }
                } catch (JedisNoScriptException e) {
                    if (attempt > 0) {
                        throw failure(what + " (Redis kept answering NOSCRIPT)", e);
                    }
                    if (refused == null) {
                        refused = new HashSet<>();
                    }
                    refused.add(w.userId());
                    todo[again++] = i; // in order, so a user's later write still follows its earlier one
                } catch (RuntimeException e) { // a JedisException, or a reply a cluster pipeline never got
                    throw failure(what, e);
                }
                if (entries.get(k) != null) {
                    get(entries.get(k), what + " (its entry in the index " + indexKey + ")");
                }
            }
            todo = Arrays.copyOf(todo, again);
        }
        return applied;
    }

    @Override
    public List<SessionState> idle(long lastEventAtOrBefore, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        List<redis.clients.jedis.resps.Tuple> candidates;
        try {
            roundTrips.increment();
            candidates = client.zrangeWithScores(indexKey, ZRangeParams.zrangeByScoreParams(Double.NEGATIVE_INFINITY,
                    lastEventAtOrBefore).limit(0, limit));
        } catch (JedisException e) {
            throw failure("reading the session index " + indexKey, e);
        }
        if (candidates.isEmpty()) {
            return List.of();
        }
        List<String> users = new ArrayList<>(candidates.size());
        for (redis.clients.jedis.resps.Tuple t : candidates) {
            users.add(t.getElement());
        }
        Map<String, SessionState> sessions = load(users, true);
        List<SessionState> out = new ArrayList<>();
        List<byte[]> fixes = new ArrayList<>();
        for (redis.clients.jedis.resps.Tuple t : candidates) {
            SessionState s = sessions.get(t.getElement());
            String read = Long.toString((long) t.getScore());
            if (s == null) {
                fixes.add(bytes(t.getElement()));
                fixes.add(bytes(read));
                fixes.add(bytes("-"));
            } else if (s.lastEvent() > lastEventAtOrBefore) {
                fixes.add(bytes(t.getElement()));
                fixes.add(bytes(read));
                fixes.add(bytes(Long.toString(s.lastEvent())));
            } else {
                out.add(s);
            }
        }
        if (!fixes.isEmpty()) {
            index.run(List.of(bytes(indexKey)), fixes, "repairing the session index " + indexKey, p -> null);
        }
        out.sort((a, b) -> Long.compare(a.lastEvent(), b.lastEvent()));
        return out;
    }

    @Override
    public void erase(String userId) {
        String key = key(userId);
        Response<Long> session;
        Response<Long> entry;
        try (AbstractPipeline p = client.pipelined()) {
            session = p.del(key);
            entry = p.zrem(indexKey, userId);
            roundTrips.increment();
            p.sync();
        } catch (JedisException e) {
            throw failure("erasing the session at key " + key, e);
        }
        get(session, "erasing the session at key " + key);
        get(entry, "erasing the session at key " + key + " (its entry in the index " + indexKey + ")");
    }

    /** The arguments of {@link #WRITE_SCRIPT} or {@link #REMOVE_SCRIPT} for one write. */
    private static List<byte[]> args(SessionWrite w) {
        SessionState s = w.session();
        if (w.remove()) {
            return List.of(bytes(Long.toString(s.version())), bytes(s.sessionId()));
        }
        return List.of(bytes(Long.toString(s.version() - 1)), bytes(Long.toString(s.version())),
                SessionStateCodec.encode(s), bytes(s.sessionId()));
    }

    private SessionState decode(String userId, byte[] json) {
        try {
            SessionState s = SessionStateCodec.decode(json);
            if (!s.userId().equals(userId)) {
                throw new ProfileStoreException("Redis key " + key(userId) + " holds the session of user \""
                        + s.userId() + "\", not of \"" + userId + "\"");
            }
            return s;
        } catch (IllegalArgumentException e) {
            throw new ProfileStoreException("Redis key " + key(userId) + " holds a session this store cannot read: "
                    + e.getMessage(), e);
        }
    }

    private static <T> T get(Response<T> r, String what) {
        try {
            return r.get();
        } catch (RuntimeException e) { // a JedisException, or a reply a cluster pipeline never got
            throw failure(what, e);
        }
    }

    private static ProfileStoreException failure(String what, RuntimeException e) {
        return new ProfileStoreException("Redis failed " + what + ": " + e.getMessage(), e);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Builds a {@link RedisSessionStore}. Mutable and not thread-safe. */
    public static final class Builder {
        private final UnifiedJedis client;
        private String keyPrefix = "pks:";
        private String indexKey = "pks-idle";

        private Builder(UnifiedJedis client) {
            this.client = Objects.requireNonNull(client, "client");
        }

        /** Prepended to each user id to make its session's key; default {@code pks:}. */
        public Builder keyPrefix(String prefix) {
            this.keyPrefix = Objects.requireNonNull(prefix, "keyPrefix");
            return this;
        }

        /**
         * The sorted set of users by their session's newest event time; default {@code pks-idle}.
         * Give each application (each engine sharing sessions) its own, like its own prefix.
         */
        public Builder indexKey(String key) {
            this.indexKey = Objects.requireNonNull(key, "indexKey");
            return this;
        }

        public RedisSessionStore build() {
            if (indexKey.startsWith(keyPrefix)) {
                throw new IllegalArgumentException("indexKey \"" + indexKey + "\" must not start with keyPrefix \""
                        + keyPrefix + "\": it would be the key of a user's session");
            }
            return new RedisSessionStore(this);
        }
    }

    /** A script run by EVALSHA, sent again with EVAL (which loads it) after NOSCRIPT. */
    private final class Script {
        final byte[] text;
        final byte[] sha;

        Script(String text) {
            this.text = bytes(text);
            this.sha = bytes(WriteScript.sha1Hex(text));
        }

        /**
         * Runs the script, then {@code after}'s command (if it queues one), in one pipeline; returns
         * the script's answer once the command's reply is checked too.
         */
        Object run(List<byte[]> keys, List<byte[]> args, String what, Function<AbstractPipeline, Response<?>> after) {
            for (int attempt = 0; ; attempt++) {
                Response<Object> result;
                Response<?> then;
                try (AbstractPipeline p = client.pipelined()) {
                    result = attempt == 0 ? p.evalsha(sha, keys, args) : p.eval(text, keys, args);
                    then = after.apply(p);
                    roundTrips.increment();
                    p.sync();
                } catch (JedisException e) {
                    throw failure(what, e);
                }
                Object answer;
                try {
                    answer = result.get();
                } catch (JedisNoScriptException e) {
                    if (attempt > 0) {
                        throw failure(what + " (Redis kept answering NOSCRIPT)", e);
                    }
                    continue;
                } catch (RuntimeException e) { // a JedisException, or a reply a cluster pipeline never got
                    throw failure(what, e);
                }
                if (then != null) {
                    get(then, what + " (the command after the script)");
                }
                return answer;
            }
        }
    }
}
