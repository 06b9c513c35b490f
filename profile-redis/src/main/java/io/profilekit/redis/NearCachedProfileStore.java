package io.profilekit.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.profilekit.ProfileStoreException;
import io.profilekit.StaleCopiesException;
import io.profilekit.UnreadableProfilesException;
import io.profilekit.internal.SortedAttributes;
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileStore;
import io.profilekit.spi.ProfileWrite;
import io.profilekit.spi.WriteOutcome;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * A bounded in-process cache (Caffeine) in front of a shared store such as
 * {@link RedisProfileStore}: loads younger than {@link Builder#maxStaleness} are served from memory,
 * this instance's own writes update the cache at once, and the copies are kept a while longer as
 * last-known-good for when the store is down.
 *
 * <pre>{@code
 * NearCachedProfileStore store = NearCachedProfileStore.builder(RedisProfileStore.builder(redis).build())
 *         .maximumSize(100_000).maxStaleness(Duration.ofMillis(500)).serveStaleWhenDown(true).build();
 * }</pre>
 *
 * <p><b>Consistency.</b> Writes always go to the store with compare-and-set, so a stale cached
 * copy can never overwrite a newer profile: a write based on it conflicts, the cache drops that
 * user, and the engine retries from a fresh load. Reads can lag other instances' writes by at most
 * {@code maxStaleness}; they never lag this instance's writes.
 *
 * <p><b>When the store is down.</b> {@link #lastKnownGood} returns the newest copy this instance
 * has seen, with its age, without calling the store. With {@link Builder#serveStaleWhenDown}
 * enabled, a {@link #loadAll} that fails offers those copies (of any age within
 * {@link Builder#lastKnownGoodRetention}) when every requested user has one: it throws a
 * {@link StaleCopiesException} holding them with their ages, which {@code ProfileEngine.get}
 * serves marked stale ({@code profile.freshness()}); otherwise it rethrows the store's
 * {@link ProfileStoreException}. Writes are never served from
 * the cache: they fail while the store is down.
 *
 * <p>Thread-safe. {@link #close()} empties the cache and leaves the wrapped store open: its owner
 * closes it.
 */
public final class NearCachedProfileStore implements ProfileStore {
    private final ProfileStore delegate;
    private final Cache<String, Entry> cache;
    private final Ticker ticker;
    private final long maxStalenessNanos;
    private final boolean serveStaleWhenDown;
    private final LongAdder hits = new LongAdder();
    private final LongAdder staleServed = new LongAdder();

    /** A cached load: the state, or null for "no profile", and when it was loaded (ticker nanos). */
    private record Entry(ProfileState state, long loadedAt) {
        long version() {
            return state == null ? -1 : state.version();
        }
    }

    /**
     * A copy of a profile kept by the near cache.
     *
     * @param state the state as last loaded or written by this instance
     * @param age   how long ago it was loaded or written
     */
    public record CachedState(ProfileState state, Duration age) {
    }

    private NearCachedProfileStore(Builder b) {
        this.delegate = b.delegate;
        this.ticker = b.ticker;
        this.maxStalenessNanos = b.maxStaleness.toNanos();
        this.serveStaleWhenDown = b.serveStaleWhenDown;
        this.cache = Caffeine.newBuilder()
                .maximumSize(b.maximumSize)
                .expireAfterWrite(b.lastKnownGoodRetention)
                .ticker(b.ticker)
                .build();
    }

    /** A builder for a cache in front of {@code delegate}. Not thread-safe. */
    public static Builder builder(ProfileStore delegate) {
        return new Builder(delegate);
    }

    @Override
    public Map<String, ProfileState> loadAll(Collection<String> userIds) {
        long now = ticker.read();
        Map<String, ProfileState> out = new HashMap<>(Math.max(4, userIds.size() * 2));
        List<String> misses = new ArrayList<>();
        for (String id : userIds) {
            Entry e = cache.getIfPresent(id);
            if (e != null && now - e.loadedAt <= maxStalenessNanos) {
                hits.increment();
                if (e.state != null) {
                    out.put(id, e.state);
                }
            } else {
                misses.add(id);
            }
        }
        if (misses.isEmpty()) {
            return out;
        }
        Map<String, ProfileState> loaded;
        UnreadableProfilesException unreadable = null;
        try {
            loaded = delegate.loadAll(misses);
        } catch (UnreadableProfilesException some) {
            // the store answered: the readable ones are cached and returned with the exception, the
            // unreadable ones dropped from the cache (no older copy stands in for what the store holds)
            loaded = some.readable();
            unreadable = some;
        } catch (ProfileStoreException failure) {
            if (serveStaleWhenDown) {
                offerStale(userIds, misses, out, now, failure);
            }
            throw failure;
        }
        for (String id : misses) {
            if (unreadable != null && unreadable.problems().containsKey(id)) {
                cache.invalidate(id);
                continue;
            }
            ProfileState s = loaded.get(id);
            remember(id, s, now);
            if (s != null) {
                out.put(id, s);
            }
        }
        if (unreadable != null) {
            throw new UnreadableProfilesException(out, unreadable.problems(), unreadable);
        }
        return out;
    }

    /**
     * Throws the copies of every requested user, when there is one for each: those answered fresh
     * from the cache (age 0) and the older ones of the users the store could not load.
     */
    private void offerStale(Collection<String> requested, List<String> misses, Map<String, ProfileState> fresh,
                            long now, ProfileStoreException failure) {
        Map<String, ProfileState> copies = new HashMap<>(fresh);
        Map<String, Duration> ages = new HashMap<>();
        requested.forEach(id -> ages.put(id, Duration.ZERO)); // those answered from the cache, fresh
        for (String id : misses) {
            Entry e = cache.getIfPresent(id);
            if (e == null) {
                return;
            }
            if (e.state != null) {
                copies.put(id, e.state);
            }
            ages.put(id, Duration.ofNanos(Math.max(0, now - e.loadedAt)));
        }
        staleServed.add(misses.size());
        throw new StaleCopiesException(failure, copies, ages);
    }

    /**
     * Caches a load (with {@code now} read before the store was asked) or a write (with {@code now}
     * read after it answered), unless the cached copy may be newer: a copy cached before the load
     * began is older than what the load read, whatever the versions (a profile that expired or was
     * deleted in the store starts again from version 1); otherwise the higher version is kept, so a
     * load that raced a write or an erase of this instance does not put the older state back.
     */
    private void remember(String id, ProfileState state, long now) {
        Entry fresh = new Entry(state == null ? null : SortedAttributes.lean(state), now);
        cache.asMap().merge(id, fresh, (old, neu) -> neu.loadedAt > old.loadedAt || neu.version() >= old.version()
                ? neu : old);
    }

    @Override
    public List<WriteOutcome> writeAll(List<ProfileWrite> writes) {
        List<WriteOutcome> outcomes;
        try {
            outcomes = delegate.writeAll(writes);
        } catch (RuntimeException e) {
            for (ProfileWrite w : writes) {
                cache.invalidate(w.userId());
            }
            throw e;
        }
        long now = ticker.read();
        for (int i = 0; i < outcomes.size() && i < writes.size(); i++) {
            ProfileWrite w = writes.get(i);
            if (outcomes.get(i).written()) {
                remember(w.userId(), w.state(), now);
            } else {
                cache.invalidate(w.userId());
            }
        }
        return outcomes;
    }

    /**
     * Erases through the wrapped store, then caches the tombstone it left (one more load), so that
     * a load of the profile that raced the erase cannot put the erased state back: the cache keeps
     * the newer version. If that load fails, the user is only dropped from the cache.
     */
    @Override
    public void erase(String userId, Instant erasedAt) {
        cache.invalidate(userId);
        try {
            delegate.erase(userId, erasedAt);
        } finally {
            cache.invalidate(userId);
        }
        try {
            long now = ticker.read();
            ProfileState tombstone = delegate.loadAll(List.of(userId)).get(userId);
            if (tombstone != null) {
                remember(userId, tombstone, now);
            }
        } catch (ProfileStoreException e) {
            cache.invalidate(userId);
        }
    }

    /**
     * The newest copy of a user's profile this instance holds, whatever its age, without calling
     * the store: for serving reads, marked stale, while the store is down. Empty when the cache
     * holds no profile for the user.
     */
    public Optional<CachedState> lastKnownGood(String userId) {
        Entry e = cache.getIfPresent(userId);
        if (e == null || e.state == null) {
            return Optional.empty();
        }
        return Optional.of(new CachedState(e.state, Duration.ofNanos(Math.max(0, ticker.read() - e.loadedAt))));
    }

    /** Drops a user's cached copy (for example when another instance says it changed). */
    public void invalidate(String userId) {
        cache.invalidate(userId);
    }

    /** How many user loads were answered from the cache without calling the store. */
    public long hits() {
        return hits.sum();
    }

    /** How many user loads were answered with stale copies because the store failed. */
    public long staleServed() {
        return staleServed.sum();
    }

    /** Approximately how many users the cache holds. */
    public long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    /** The wrapped store. */
    public ProfileStore delegate() {
        return delegate;
    }

    /** Empties the cache; leaves the wrapped store open. */
    @Override
    public void close() {
        cache.invalidateAll();
    }

    /** Builds a {@link NearCachedProfileStore}. Mutable and not thread-safe. */
    public static final class Builder {
        private final ProfileStore delegate;
        private long maximumSize = 100_000;
        private Duration maxStaleness = Duration.ofSeconds(1);
        private Duration lastKnownGoodRetention = Duration.ofMinutes(10);
        private boolean serveStaleWhenDown;
        private Ticker ticker = Ticker.systemTicker();

        private Builder(ProfileStore delegate) {
            this.delegate = Objects.requireNonNull(delegate, "delegate");
        }

        /** How many users the cache holds at most (default 100 000); least recently used go first. */
        public Builder maximumSize(long size) {
            if (size < 1) {
                throw new IllegalArgumentException("maximumSize must be at least 1, got " + size);
            }
            this.maximumSize = size;
            return this;
        }

        /**
         * How old a cached load may be and still answer a load (default 1 s); {@link Duration#ZERO}
         * sends every load to the store, keeping copies for last-known-good only.
         */
        public Builder maxStaleness(Duration staleness) {
            if (staleness.isNegative()) {
                throw new IllegalArgumentException("maxStaleness must not be negative, got " + staleness);
            }
            this.maxStaleness = staleness;
            return this;
        }

        /** How long a copy is kept for {@link #lastKnownGood} after it was loaded (default 10 min). */
        public Builder lastKnownGoodRetention(Duration retention) {
            if (retention.isNegative() || retention.isZero()) {
                throw new IllegalArgumentException("lastKnownGoodRetention must be positive, got " + retention);
            }
            this.lastKnownGoodRetention = retention;
            return this;
        }

        /**
         * Whether a {@link #loadAll} that fails offers last-known-good copies, as a
         * {@link StaleCopiesException} that the engine serves marked stale (default false: the
         * store's failure is thrown as it is).
         */
        public Builder serveStaleWhenDown(boolean serve) {
            this.serveStaleWhenDown = serve;
            return this;
        }

        /** The time source for staleness and retention (tests pass a fake one). */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        public NearCachedProfileStore build() {
            if (lastKnownGoodRetention.compareTo(maxStaleness) < 0) {
                throw new IllegalArgumentException("lastKnownGoodRetention (" + lastKnownGoodRetention
                        + ") must be at least maxStaleness (" + maxStaleness + ")");
            }
            return new NearCachedProfileStore(this);
        }
    }
}
