package io.profilekit.redis;

import io.profilekit.ProfileStoreException;
import io.profilekit.UnreadableProfilesException;
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileStateCodec;
import io.profilekit.spi.ProfileStore;
import io.profilekit.spi.ProfileWrite;
import io.profilekit.spi.SeenEvents;
import io.profilekit.spi.WriteOutcome;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

/**
 * A {@link ProfileStore} in Redis, through a Jedis client the application owns: one hash per user,
 * conditional writes by a Lua script that handles many users per call, and one round trip per
 * batch of loads or writes.
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
 * <p><b>Writes.</b> For each user, the script compares the stored version with the expected one and
 * each fence of the write with the stored one, then writes or reports {@code CONFLICT} /
 * {@code STALE_FENCE}. One script call handles up to 64 users (one key each, in order) and answers
 * one status per user, so the cost Redis has for each script call, apart from the commands it runs,
 * is paid once per 64 users instead of once per user. A call runs atomically, so each user's write is
 * too.
 * The calls of a batch are one pipeline: one round trip. Each call is encoded right before it joins
 * the pipeline, so Redis runs the first calls while later ones are still being encoded (should
 * encoding fail, the calls already sent still run). They run by {@code EVALSHA}; when Redis
 * answers {@code NOSCRIPT} (after a restart, a failover or a {@code SCRIPT FLUSH}) the refused calls
 * are sent again with {@code EVAL}, which loads the script.
 *
 * <p><b>Redis Cluster.</b> The keys of one script call must share a hash slot, so on a cluster client
 * ({@code RedisClusterClient}, or the older {@code JedisCluster}) a batch's writes are first grouped
 * by the slot of their key and each call holds users of one slot only. Without hash tags in the
 * user ids, a batch's users fall in different slots and most calls then carry one user, as many
 * calls as users; the pipeline still sends each to its node in one round trip per node. Tested
 * against a real three-master cluster ({@code RedisClusterTest}).
 *
 * <p><b>Erase</b> replaces the profile by a tombstone state (version + 1, the later erase time)
 * that expires after {@link Builder#tombstoneRetention}.
 *
 * <p><b>Timeouts, TLS, credentials</b> are the Jedis client's: set them in its
 * {@code DefaultJedisClientConfig} ({@code socketTimeoutMillis}, {@code connectionTimeoutMillis},
 * {@code sslOptions}, {@code user}, {@code password}). Any Jedis failure (connection refused, timeout,
 * script error) surfaces as {@link ProfileStoreException} with the Jedis exception as its cause; an
 * error on one user's key (such as {@code WRONGTYPE}) fails the whole {@code writeAll} with an
 * exception naming that key. The other users' writes of the batch may have reached Redis before
 * such a failure (each one atomic): the engine's retry recognises them by their event ids and
 * fences, so nothing is applied twice, and by reading them back, so their change notifications are
 * not lost either.
 *
 * <p>Thread-safe, if the client is (Jedis' {@code RedisClient} is: it pools connections).
 * {@link #close()} does nothing: this store never closes the client it was given.
 */
public final class RedisProfileStore implements ProfileStore {
    private static final byte[] STATE_FIELD = bytes("s");
    private static final int ERASE_ATTEMPTS = 50;

    private final UnifiedJedis client;
    private final String keyPrefix;
    private final Duration tombstoneRetention;
    private final Duration defaultProfileTtl;
    private final int writesPerCall;
    private final boolean bySlot;
    private final LongAdder roundTrips = new LongAdder();

    private RedisProfileStore(Builder b) {
        this.client = b.client;
        this.keyPrefix = b.keyPrefix;
        this.tombstoneRetention = b.tombstoneRetention;
        this.defaultProfileTtl = b.defaultProfileTtl;
        this.writesPerCall = b.writesPerCall;
        this.bySlot = isCluster(b.client);
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

    /** Whether {@code client} routes commands by hash slot, so that a script call's keys must share one. */
    @SuppressWarnings("deprecation") // JedisCluster: deprecated for RedisClusterClient, still a cluster client
    static boolean isCluster(UnifiedJedis client) {
        return client instanceof RedisClusterClient || client instanceof redis.clients.jedis.JedisCluster;
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
            throw failure("loading " + ids.size() + " profile(s) (first at key " + key(ids.get(0)) + ")", e);
        }
        Map<String, ProfileState> out = new HashMap<>(Math.max(4, ids.size() * 2));
        Map<String, String> unreadable = null;
        Unreadable first = null;
        for (int i = 0; i < ids.size(); i++) {
            byte[] json;
            try {
                json = responses.get(i).get();
            } catch (RuntimeException e) { // a JedisException, or a reply a cluster pipeline never got
                throw failure("loading the profile at key " + key(ids.get(i)), e);
            }
            if (json != null) {
                try {
                    out.put(ids.get(i), decode(ids.get(i), json));
                } catch (Unreadable e) {
                    if (unreadable == null) {
                        unreadable = new LinkedHashMap<>();
                        first = e;
                    }
                    unreadable.put(ids.get(i), e.getMessage());
                }
            }
        }
        if (unreadable != null) {
            throw new UnreadableProfilesException(out, unreadable, first.getCause());
        }
        return out;
    }

    private ProfileState decode(String userId, byte[] json) {
        try {
            ProfileState s = ProfileStateCodec.decode(json);
            if (!s.userId().equals(userId)) {
                throw new Unreadable("Redis key " + key(userId) + " holds the profile of user \""
                        + s.userId() + "\", not of \"" + userId + "\"", null);
            }
            return s;
        } catch (IllegalArgumentException e) {
            throw new Unreadable("Redis key " + key(userId) + " holds a profile this store cannot read: "
                    + e.getMessage(), e);
        }
    }

    /** A stored profile this store cannot read (another format, another user's state, damage). */
    private static final class Unreadable extends ProfileStoreException {
        private static final long serialVersionUID = 1L;

        Unreadable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public List<WriteOutcome> writeAll(List<ProfileWrite> writes) {
        if (writes.isEmpty()) {
            return List.of();
        }
        int n = writes.size();
        byte[][] keys = new byte[n][];
        List<String> userIds = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            userIds.add(writes.get(i).userId());
            keys[i] = bytes(key(userIds.get(i)));
        }
        List<int[]> plan = WriteScript.plan(keys, writesPerCall, bySlot);
        WriteOutcome.Status[] statuses = new WriteOutcome.Status[n];
        // each call is encoded just before it joins the pipeline, so Redis runs the first calls
        // while the later ones are still being encoded
        List<Call> refused = run(plan.size(), j -> {
            int[] members = plan.get(j);
            List<byte[]> callKeys = new ArrayList<>(members.length);
            List<byte[]> args = new ArrayList<>(members.length * 11); // 7 + 2 per fence, usually one checked and one stored
            for (int i : members) {
                ProfileWrite w = writes.get(i);
                callKeys.add(keys[i]);
                WriteScript.addArgs(args, w.state(), w.expectedVersion(), w.fences(), ttlMillis(w.ttl(), w.state()));
            }
            return new Call(members, callKeys, args);
        }, n, plan.get(0)[0], false, userIds, statuses);
        retryRefused(refused, userIds, statuses);
        List<WriteOutcome> outcomes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            outcomes.add(new WriteOutcome(userIds.get(i), statuses[i]));
        }
        return outcomes;
    }

    /** One script call: the writes it holds (indexes into the batch), its KEYS and its ARGV. */
    private record Call(int[] members, List<byte[]> keys, List<byte[]> args) {
    }

    /**
     * Sends the calls Redis refused with NOSCRIPT again by EVAL (which loads the script), in one
     * pipeline, and puts each write's status at its index in {@code statuses}.
     */
    private void retryRefused(List<Call> refused, List<String> userIds, WriteOutcome.Status[] statuses) {
        if (!refused.isEmpty() && !run(refused.size(), refused::get, refused.stream().mapToInt(c -> c.members().length).sum(),
                refused.get(0).members()[0], true, userIds, statuses).isEmpty()) {
            throw new ProfileStoreException("Redis kept answering NOSCRIPT to EVAL for key "
                    + key(userIds.get(refused.get(0).members()[0])));
        }
    }

    /**
     * Sends {@code count} calls holding {@code writes} writes in all (the first, whose key a failure
     * names, at index {@code first} of the batch), made by {@code call} in order,
     * in one pipeline (by EVALSHA, or by EVAL when {@code eval}), filling {@code statuses}; returns
     * the calls Redis refused with NOSCRIPT (those did nothing). A call is made only once the ones
     * before it are in the pipeline.
     */
    private List<Call> run(int count, IntFunction<Call> call, int writes, int first, boolean eval, List<String> userIds,
                           WriteOutcome.Status[] statuses) {
        List<Call> calls = new ArrayList<>(count);
        List<Response<Object>> responses = new ArrayList<>(count);
        try (AbstractPipeline p = client.pipelined()) {
            for (int j = 0; j < count; j++) {
                Call c = call.apply(j);
                calls.add(c);
                responses.add(eval ? p.eval(WriteScript.SCRIPT, c.keys(), c.args())
                        : p.evalsha(WriteScript.SHA, c.keys(), c.args()));
            }
            roundTrips.increment();
            p.sync();
        } catch (JedisException e) {
            throw failure("writing " + writes + " profile(s) (first at key " + key(userIds.get(first)) + ")", e);
        }
        List<Call> refused = new ArrayList<>(0);
        for (int j = 0; j < calls.size(); j++) {
            Call c = calls.get(j);
            int[] members = c.members();
            Object answer;
            try {
                answer = responses.get(j).get();
            } catch (JedisNoScriptException e) {
                refused.add(c);
                continue;
            } catch (RuntimeException e) { // a JedisException, or a reply a cluster pipeline never got
                throw failure(members.length == 1 ? "writing the profile at key " + key(userIds.get(members[0]))
                        : "writing the " + members.length + " profiles at keys " + key(userIds.get(members[0]))
                        + " to " + key(userIds.get(members[members.length - 1])) + " (one script call)", e);
            }
            if (!(answer instanceof List<?> codes) || codes.size() != members.length) {
                throw new ProfileStoreException("unexpected answer " + answer + " from the write script for the "
                        + members.length + " profile(s) from key " + key(userIds.get(members[0])));
            }
            for (int k = 0; k < members.length; k++) {
                String userId = userIds.get(members[k]);
                if (codes.get(k) instanceof JedisException e) {
                    throw failure("writing the profile at key " + key(userId), e);
                }
                statuses[members[k]] = WriteScript.status(codes.get(k), userId);
            }
        }
        return refused;
    }

    /** A write's PEXPIRE (0: none); a state that carries an erase time lives at least as long as a tombstone. */
    private long ttlMillis(Duration ttl, ProfileState state) {
        Duration effective = ttl.isZero() ? defaultProfileTtl : ttl;
        if (effective.isZero()) {
            return 0;
        }
        long millis = Math.max(1, effective.toMillis());
        return state.erased() ? Math.max(millis, tombstoneRetention.toMillis()) : millis;
    }

    @Override
    public void erase(String userId, Instant erasedAt) {
        Objects.requireNonNull(userId, "userId");
        long at = erasedAt.toEpochMilli();
        for (int attempt = 0; attempt < ERASE_ATTEMPTS; attempt++) {
            long version;
            long previous;
            try {
                ProfileState current = loadAll(List.of(userId)).get(userId);
                version = current == null ? 0 : current.version();
                previous = current == null ? ProfileState.NONE : current.erasedAt();
            } catch (UnreadableProfilesException e) {
                // erased all the same: only its version is needed to replace it
                version = storedVersion(userId, e);
                previous = ProfileState.NONE;
            }
            ProfileState tombstone = new ProfileState(userId, version + 1, Map.of(), ProfileState.NONE,
                    SeenEvents.empty(), Map.of(), Math.max(at, previous));
            List<byte[]> args = new ArrayList<>(7);
            WriteScript.addArgs(args, tombstone, version, Map.of(), tombstoneRetention.toMillis());
            WriteOutcome.Status[] status = new WriteOutcome.Status[1];
            Call call = new Call(new int[] {0}, List.of(bytes(key(userId))), args);
            retryRefused(run(1, j -> call, 1, 0, false, List.of(userId), status), List.of(userId), status);
            if (status[0] == WriteOutcome.Status.WRITTEN) {
                return;
            }
        }
        throw new ProfileStoreException("erasing user " + userId + " kept conflicting with other writers after "
                + ERASE_ATTEMPTS + " attempts");
    }

    /** The version field of a profile whose state cannot be read, for erasing it. */
    private long storedVersion(String userId, UnreadableProfilesException unreadable) {
        String v;
        try {
            v = client.hget(key(userId), "v");
        } catch (RuntimeException e) {
            throw failure("reading the version of the profile at key " + key(userId), e);
        }
        try {
            return v == null ? 0 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            ProfileStoreException failure = new ProfileStoreException("cannot erase user " + userId + ": key "
                    + key(userId) + " holds neither a readable profile nor a version (v = \"" + v + "\"); delete it by hand",
                    unreadable);
            failure.addSuppressed(e);
            throw failure;
        }
    }

    private ProfileStoreException failure(String what, RuntimeException e) {
        return new ProfileStoreException("Redis failed " + what + ": " + e.getMessage(), e);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Builds a {@link RedisProfileStore}. Mutable and not thread-safe. */
    public static final class Builder {
        private final UnifiedJedis client;
        private String keyPrefix = "pk:";
        private Duration tombstoneRetention = Duration.ofDays(30);
        private Duration defaultProfileTtl = Duration.ZERO;
        private int writesPerCall = WriteScript.WRITES_PER_CALL;

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

        /** The most users one script call writes (default {@value WriteScript#WRITES_PER_CALL}); for benchmarks and tests. */
        Builder writesPerCall(int writes) {
            if (writes < 1) {
                throw new IllegalArgumentException("writesPerCall must be at least 1, got " + writes);
            }
            this.writesPerCall = writes;
            return this;
        }

        public RedisProfileStore build() {
            return new RedisProfileStore(this);
        }
    }
}
