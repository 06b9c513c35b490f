package io.profilekit.redis;

import io.profilekit.ProfileStoreException;
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileStateCodec;
import io.profilekit.spi.ProfileStore;
import io.profilekit.spi.ProfileWrite;
import io.profilekit.spi.SeenEvents;
import io.profilekit.spi.WriteOutcome;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link ProfileStore} in Redis, through a Jedis client the application owns: one hash per user
 * (so every operation touches one key, and Redis Cluster works), conditional writes as one Lua
 * script, and one round trip per batch of loads or writes.
 *
 * <pre>{@code
 * RedisClient redis = RedisClient.create("redis://localhost:6379");
 * ProfileStore store = RedisProfileStore.builder(redis).keyPrefix("shop:pk:").build();
 * ProfileEngine engine = ProfileEngine.builder().reducer(reducer).store(store).build();
 * }</pre>
 *
 * <p><b>Layout.</b> Key {@code <prefix><userId>}, a hash: {@code s} the state as
 * {@link ProfileStateCodec} JSON (read it with {@code redis-cli HGET pk:u42 s}), {@code v} its
 * version, {@code f:<source>} the offset fence of each source, and {@code l} the hash's layout
 * (which fence fields it has, whether it expires). A write sets all of them and the expiry in the
 * same script, so the fields always agree with {@code s}.
 *
 * <p><b>Writes.</b> A script compares the stored version with the expected one and each fence of
 * the write with the stored one, then writes or reports {@code CONFLICT} / {@code STALE_FENCE}.
 * It runs by {@code EVALSHA}; when Redis answers {@code NOSCRIPT} (after a restart, a failover or a
 * {@code SCRIPT FLUSH}) the refused writes are sent again with {@code EVAL}, which loads it. A
 * batch is one pipeline: one round trip, each user's write atomic on its own.
 *
 * <p><b>Erase</b> replaces the profile by a tombstone state (version + 1, the later erase time)
 * that expires after {@link Builder#tombstoneRetention}.
 *
 * <p><b>Timeouts, TLS, credentials</b> are the Jedis client's: set them in its
 * {@code DefaultJedisClientConfig} ({@code socketTimeoutMillis}, {@code connectionTimeoutMillis},
 * {@code ssl}, {@code user}, {@code password}). Any Jedis failure (connection refused, timeout,
 * script error) surfaces as {@link ProfileStoreException} with the Jedis exception as its cause.
 *
 * <p>Thread-safe, if the client is (Jedis' {@code RedisClient} is: it pools connections).
 * {@link #close()} does nothing: this store never closes the client it was given.
 */
public final class RedisProfileStore implements ProfileStore {
    /**
     * Arguments: expected version, new version, state, ttl ms, layout, number of checked fences,
     * then (source, offset) pairs to check, then (source, offset) pairs to store. Returns 0 written,
     * 1 conflict, 2 stale fence. Offsets are compared as decimal strings, exactly.
     *
     * <p>One HMGET reads the version, the layout and the checked fences. The layout field {@code l}
     * names the hash's fence fields and says whether the key expires: while it stays the same, the
     * write overwrites the fields in place (one HSET, and PEXPIRE when the profile expires); when it
     * changes (a new source, a fence gone after an erase, an expiry set or dropped) the hash is
     * deleted and rebuilt, so it never keeps a field or an expiry the write did not give. A write
     * that checks and stores no fences (direct mode) passes its fields to HMGET and HSET as they are,
     * without building Lua tables for them.
     */
    static final String WRITE_SCRIPT = """
            local key = KEYS[1]
            local checks = tonumber(ARGV[6])
            local stored
            if checks == 0 then
              stored = redis.call('HMGET', key, 'v', 'l')
            else
              local names = {'v', 'l'}
              for j = 1, checks do names[j + 2] = 'f:' .. ARGV[5 + 2 * j] end
              stored = redis.call('HMGET', key, unpack(names))
            end
            if (stored[1] or '0') ~= ARGV[1] then return 1 end
            for j = 1, checks do
              local f, o = stored[j + 2], ARGV[6 + 2 * j]
              if f then
                local nf, no = string.byte(f, 1) == 45, string.byte(o, 1) == 45
                if nf ~= no then
                  if no then return 2 end
                elseif nf then
                  if tonumber(f) >= tonumber(o) then return 2 end
                elseif #f ~= #o then
                  if #f > #o then return 2 end
                elseif f >= o then return 2 end
              end
            end
            if stored[1] and stored[2] ~= ARGV[5] then redis.call('DEL', key) end
            local first = 7 + 2 * checks
            if first > #ARGV then
              redis.call('HSET', key, 's', ARGV[3], 'v', ARGV[2], 'l', ARGV[5])
            else
              local fields = {'s', ARGV[3], 'v', ARGV[2], 'l', ARGV[5]}
              for i = first, #ARGV - 1, 2 do
                fields[#fields + 1] = 'f:' .. ARGV[i]
                fields[#fields + 1] = ARGV[i + 1]
              end
              redis.call('HSET', key, unpack(fields))
            end
            if ARGV[4] ~= '0' then redis.call('PEXPIRE', key, ARGV[4]) end
            return 0
            """;
    static final String WRITE_SCRIPT_SHA = sha1Hex(WRITE_SCRIPT);

    private static final byte[] STATE_FIELD = bytes("s");
    private static final byte[] EXPIRING = bytes("e");
    private static final byte[] PERSISTENT = bytes("p");
    private static final byte[] SCRIPT_SHA = bytes(WRITE_SCRIPT_SHA);
    private static final byte[] SCRIPT = bytes(WRITE_SCRIPT);
    private static final int ERASE_ATTEMPTS = 50;

    private final UnifiedJedis client;
    private final String keyPrefix;
    private final Duration tombstoneRetention;
    private final Duration defaultProfileTtl;
    private final LongAdder roundTrips = new LongAdder();

    private RedisProfileStore(Builder b) {
        this.client = b.client;
        this.keyPrefix = b.keyPrefix;
        this.tombstoneRetention = b.tombstoneRetention;
        this.defaultProfileTtl = b.defaultProfileTtl;
    }

    /**
     * A builder for a store on {@code client} (a {@code RedisClient}, {@code RedisClusterClient}
     * or any {@link UnifiedJedis}); the store never closes it. Not thread-safe.
     */
    public static Builder builder(UnifiedJedis client) {
        return new Builder(client);
    }

    /** The Redis key of a user's profile. */
    public String key(String userId) {
        return keyPrefix + userId;
    }

    /** How many round trips to Redis this store has made (a pipeline counts one). */
    public long roundTrips() {
        return roundTrips.sum();
    }

    @Override
    public Map<String, ProfileState> loadAll(Collection<String> userIds) {
        if (userIds.isEmpty()) {
            return Map.of();
        }
        List<String> ids = new ArrayList<>(userIds);
        List<Response<byte[]>> responses = new ArrayList<>(ids.size());
        try (AbstractPipeline p = client.pipelined()) {
            for (String id : ids) {
                responses.add(p.hget(bytes(key(id)), STATE_FIELD));
            }
            roundTrips.increment();
            p.sync();
        } catch (JedisException e) {
            throw failure("loading " + ids.size() + " profile(s)", e);
        }
        Map<String, ProfileState> out = new HashMap<>(Math.max(4, ids.size() * 2));
        for (int i = 0; i < ids.size(); i++) {
            byte[] json;
            try {
                json = responses.get(i).get();
            } catch (JedisException e) {
                throw failure("loading the profile at key " + key(ids.get(i)), e);
            }
            if (json != null) {
                out.put(ids.get(i), decode(ids.get(i), json));
            }
        }
        return out;
    }

    private ProfileState decode(String userId, byte[] json) {
        try {
            ProfileState s = ProfileStateCodec.decode(json);
            if (!s.userId().equals(userId)) {
                throw new ProfileStoreException("Redis key " + key(userId) + " holds the profile of user \""
                        + s.userId() + "\", not of \"" + userId + "\"");
            }
            return s;
        } catch (IllegalArgumentException e) {
            throw new ProfileStoreException("Redis key " + key(userId) + " holds a profile this store cannot read: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public List<WriteOutcome> writeAll(List<ProfileWrite> writes) {
        if (writes.isEmpty()) {
            return List.of();
        }
        int n = writes.size();
        List<byte[]>[] keys = newListArray(n);
        List<byte[]>[] args = newListArray(n);
        for (int i = 0; i < n; i++) {
            ProfileWrite w = writes.get(i);
            keys[i] = List.of(bytes(key(w.userId())));
            args[i] = scriptArgs(w.state(), w.expectedVersion(), w.fences(), ttlMillis(w.ttl()));
        }
        Object[] results = new Object[n];
        List<Integer> noScript = run(keys, args, null, results, false);
        if (!noScript.isEmpty()) {
            List<Integer> again = run(keys, args, noScript, results, true);
            if (!again.isEmpty()) {
                throw new ProfileStoreException("Redis kept answering NOSCRIPT to EVAL for key "
                        + key(writes.get(again.get(0)).userId()));
            }
        }
        List<WriteOutcome> outcomes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            outcomes.add(new WriteOutcome(writes.get(i).userId(), status(results[i], writes.get(i).userId())));
        }
        return outcomes;
    }

    /**
     * Runs the script for the writes at {@code only} (all when null) in one pipeline, filling
     * {@code results}; returns the indexes Redis refused with NOSCRIPT (those did nothing).
     */
    private List<Integer> run(List<byte[]>[] keys, List<byte[]>[] args, List<Integer> only, Object[] results,
                              boolean eval) {
        int count = only == null ? keys.length : only.size();
        List<Response<Object>> responses = new ArrayList<>(count);
        try (AbstractPipeline p = client.pipelined()) {
            for (int j = 0; j < count; j++) {
                int i = only == null ? j : only.get(j);
                responses.add(eval ? p.eval(SCRIPT, keys[i], args[i]) : p.evalsha(SCRIPT_SHA, keys[i], args[i]));
            }
            roundTrips.increment();
            p.sync();
        } catch (JedisException e) {
            throw failure("writing " + count + " profile(s)", e);
        }
        List<Integer> refused = new ArrayList<>(0);
        for (int j = 0; j < count; j++) {
            int i = only == null ? j : only.get(j);
            try {
                results[i] = responses.get(j).get();
            } catch (JedisNoScriptException e) {
                refused.add(i);
            } catch (JedisException e) {
                throw failure("writing the profile at key " + new String(keys[i].get(0), StandardCharsets.UTF_8), e);
            }
        }
        return refused;
    }

    private static WriteOutcome.Status status(Object result, String userId) {
        if (result instanceof Long code) {
            if (code == 0) {
                return WriteOutcome.Status.WRITTEN;
            } else if (code == 1) {
                return WriteOutcome.Status.CONFLICT;
            } else if (code == 2) {
                return WriteOutcome.Status.STALE_FENCE;
            }
        }
        throw new ProfileStoreException("unexpected answer " + result + " from the write script for user " + userId);
    }

    private static List<byte[]> scriptArgs(ProfileState state, long expectedVersion, Map<String, Long> checks,
                                           long ttlMillis) {
        List<byte[]> a = new ArrayList<>(6 + 2 * (checks.size() + state.fences().size()));
        a.add(bytes(Long.toString(expectedVersion)));
        a.add(bytes(Long.toString(state.version())));
        a.add(ProfileStateCodec.encode(state));
        a.add(bytes(Long.toString(ttlMillis)));
        a.add(layout(state.fences(), ttlMillis != 0));
        a.add(bytes(Integer.toString(checks.size())));
        for (Map.Entry<String, Long> f : checks.entrySet()) {
            a.add(bytes(f.getKey()));
            a.add(bytes(Long.toString(f.getValue())));
        }
        for (Map.Entry<String, Long> f : state.fences().entrySet()) {
            a.add(bytes(f.getKey()));
            a.add(bytes(Long.toString(f.getValue())));
        }
        return a;
    }

    /**
     * The value of field {@code l}: {@code e} when the key expires, {@code p} when it persists, then
     * each fence source in order as {@code <length>:<name>}, so two different layouts never look alike.
     */
    static byte[] layout(Map<String, Long> fences, boolean expires) {
        if (fences.isEmpty()) {
            return expires ? EXPIRING : PERSISTENT;
        }
        String[] names = fences.keySet().toArray(new String[0]);
        java.util.Arrays.sort(names);
        StringBuilder sb = new StringBuilder(expires ? "e" : "p");
        for (String name : names) {
            sb.append(name.length()).append(':').append(name);
        }
        return bytes(sb.toString());
    }

    private long ttlMillis(Duration ttl) {
        Duration effective = ttl.isZero() ? defaultProfileTtl : ttl;
        return effective.isZero() ? 0 : Math.max(1, effective.toMillis());
    }

    @Override
    public void erase(String userId, Instant erasedAt) {
        Objects.requireNonNull(userId, "userId");
        long at = erasedAt.toEpochMilli();
        for (int attempt = 0; attempt < ERASE_ATTEMPTS; attempt++) {
            ProfileState current = loadAll(List.of(userId)).get(userId);
            long version = current == null ? 0 : current.version();
            long previous = current == null ? ProfileState.NONE : current.erasedAt();
            ProfileState tombstone = new ProfileState(userId, version + 1, Map.of(), ProfileState.NONE,
                    SeenEvents.empty(), Map.of(), Math.max(at, previous));
            List<byte[]>[] keys = newListArray(1);
            List<byte[]>[] args = newListArray(1);
            keys[0] = List.of(bytes(key(userId)));
            args[0] = scriptArgs(tombstone, version, Map.of(), tombstoneRetention.toMillis());
            Object[] result = new Object[1];
            if (!run(keys, args, null, result, false).isEmpty()) {
                run(keys, args, null, result, true);
            }
            if (status(result[0], userId) == WriteOutcome.Status.WRITTEN) {
                return;
            }
        }
        throw new ProfileStoreException("erasing user " + userId + " kept conflicting with other writers after "
                + ERASE_ATTEMPTS + " attempts");
    }

    private ProfileStoreException failure(String what, JedisException e) {
        return new ProfileStoreException("Redis failed " + what + ": " + e.getMessage(), e);
    }

    static String sha1Hex(String script) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(bytes(script));
            StringBuilder sb = new StringBuilder(40);
            for (byte b : d) {
                sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    private static List<byte[]>[] newListArray(int n) {
        return (List<byte[]>[]) new List<?>[n];
    }

    /** Builds a {@link RedisProfileStore}. Mutable and not thread-safe. */
    public static final class Builder {
        private final UnifiedJedis client;
        private String keyPrefix = "pk:";
        private Duration tombstoneRetention = Duration.ofDays(30);
        private Duration defaultProfileTtl = Duration.ZERO;

        private Builder(UnifiedJedis client) {
            this.client = Objects.requireNonNull(client, "client");
        }

        /** Prepended to each user id to make its key; default {@code pk:}. */
        public Builder keyPrefix(String prefix) {
            this.keyPrefix = Objects.requireNonNull(prefix, "keyPrefix");
            return this;
        }

        /**
         * How long an erase tombstone is kept (default 30 days): longer than any replay of your
         * topics, so that replayed events cannot bring an erased user back.
         */
        public Builder tombstoneRetention(Duration retention) {
            if (retention.isNegative() || retention.isZero()) {
                throw new IllegalArgumentException("tombstoneRetention must be positive, got " + retention);
            }
            this.tombstoneRetention = retention;
            return this;
        }

        /**
         * The inactivity expiry for writes that carry none (the engine's {@code profileTtl} not
         * set): a profile not written for this long is dropped by Redis. Default {@link Duration#ZERO}:
         * such profiles are kept until erased.
         */
        public Builder defaultProfileTtl(Duration ttl) {
            if (ttl.isNegative()) {
                throw new IllegalArgumentException("defaultProfileTtl must not be negative, got " + ttl);
            }
            this.defaultProfileTtl = ttl;
            return this;
        }

        public RedisProfileStore build() {
            return new RedisProfileStore(this);
        }
    }
}
