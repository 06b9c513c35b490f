package io.profilekit;

import com.github.benmanes.caffeine.cache.Ticker;
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileStore;
import io.profilekit.spi.ProfileWrite;
import io.profilekit.spi.SeenEvents;
import io.profilekit.spi.WriteOutcome;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * A {@link ProfileStore} in this process's memory. In direct mode it holds the only copy of the
 * profiles, so it never evicts for size; a profile goes only when its write's TTL passes without
 * another write, and a tombstone after {@link Builder#tombstoneRetention}. An expired profile is
 * never loaded; its memory is reclaimed when it is next touched, or by a sweep that checks a few
 * entries on every write (and all of them on {@link #size()}).
 *
 * <p>Thread-safe; each user's write is atomic. Loads and writes are in-process calls on a
 * {@link ConcurrentHashMap}, so a batch costs no round trip and one hash lookup per user.
 */
public final class InMemoryProfileStore implements ProfileStore {
    private static final long NEVER = Long.MAX_VALUE;
    private static final int SWEEP_PER_WRITE = 2;

    /**
     * Per user, the {@link ProfileState} itself when it never expires (a load reads one object
     * less, and a write keeps one less), else an {@link Entry}.
     */
    private final ConcurrentHashMap<String, Object> profiles = new ConcurrentHashMap<>();
    private final Ticker ticker;
    private final Duration tombstoneRetention;
    private volatile boolean anyExpiry;
    private Iterator<Map.Entry<String, Object>> sweep;

    /** A state and when it expires, in the ticker's nanoseconds. */
    private record Entry(ProfileState state, long expiresAt) {
        boolean expired(long now) {
            return expiresAt != NEVER && now - expiresAt >= 0;
        }
    }

    /** What the map holds for a state expiring at {@code expiresAt}. */
    private static Object stored(ProfileState state, long expiresAt) {
        return expiresAt == NEVER ? state : new Entry(state, expiresAt);
    }

    /** Whether a value of the map has expired at {@code now}. */
    private static boolean expired(Object stored, long now) {
        return stored instanceof Entry e && e.expired(now);
    }

    /** The state of a value of the map, or null when there is none or it has expired. */
    private static ProfileState live(Object stored, long now) {
        if (stored instanceof ProfileState s) {
            return s;
        }
        return stored == null || ((Entry) stored).expired(now) ? null : ((Entry) stored).state;
    }

    private InMemoryProfileStore(Builder b) {
        this.ticker = b.ticker;
        this.tombstoneRetention = b.tombstoneRetention;
    }

    /** A store with default settings: no size bound, tombstones kept 30 days. */
    public InMemoryProfileStore() {
        this(builder());
    }

    /** A builder. Not thread-safe. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Map<String, ProfileState> loadAll(Collection<String> userIds) {
        Map<String, ProfileState> out = new HashMap<>(Math.max(4, userIds.size() * 2));
        long now = anyExpiry ? ticker.read() : 0;
        for (String id : userIds) {
            Object e = profiles.get(id);
            if (e != null) {
                ProfileState s = live(e, now);
                if (s == null) {
                    profiles.remove(id, e);
                } else {
                    out.put(id, s);
                }
            }
        }
        return out;
    }

    @Override
    public List<WriteOutcome> writeAll(List<ProfileWrite> writes) {
        List<WriteOutcome> outcomes = new ArrayList<>(writes.size());
        long now = ticker.read();
        Writer writer = new Writer(now);
        for (ProfileWrite w : writes) {
            writer.write = w;
            writer.status = null;
            profiles.compute(w.userId(), writer);
            outcomes.add(new WriteOutcome(w.userId(), writer.status));
        }
        if (anyExpiry) {
            sweep(SWEEP_PER_WRITE * writes.size(), now);
        }
        return outcomes;
    }

    /**
     * One user's conditional write as the remapping function of {@link ConcurrentHashMap#compute}
     * (so it is atomic), reused for every write of a {@link #writeAll} call instead of a capturing
     * lambda per write. Confined to the calling thread.
     */
    private final class Writer implements BiFunction<String, Object, Object> {
        private final long now;
        ProfileWrite write;
        WriteOutcome.Status status;

        Writer(long now) {
            this.now = now;
        }

        @Override
        public Object apply(String id, Object current) {
            ProfileWrite w = write;
            ProfileState live = live(current, now);
            long storedVersion = live == null ? 0 : live.version();
            if (storedVersion != w.expectedVersion()) {
                status = WriteOutcome.Status.CONFLICT;
                return current;
            }
            if (live != null) {
                for (Map.Entry<String, Long> f : w.fences().entrySet()) {
                    if (live.fence(f.getKey()) >= f.getValue()) {
                        status = WriteOutcome.Status.STALE_FENCE;
                        return current;
                    }
                }
            }
            status = WriteOutcome.Status.WRITTEN;
            long expires = expiresAt(w.ttl(), now);
            if (w.state().erased() && expires != NEVER) {
                expires = Math.max(expires, expiresAt(tombstoneRetention, now)); // the erase time outlives a replay
            }
            return stored(w.state(), expires);
        }
    }

    @Override
    public void erase(String userId, Instant erasedAt) {
        Objects.requireNonNull(userId, "userId");
        long at = erasedAt.toEpochMilli();
        long now = ticker.read();
        profiles.compute(userId, (id, current) -> {
            ProfileState live = live(current, now);
            long version = live == null ? 0 : live.version();
            long previous = live == null ? ProfileState.NONE : live.erasedAt();
            ProfileState tombstone = new ProfileState(id, version + 1, Map.of(), ProfileState.NONE,
                    SeenEvents.empty(), Map.of(), Math.max(at, previous));
            return stored(tombstone, expiresAt(tombstoneRetention, now));
        });
    }

    /** How many profiles and tombstones the store holds now, after removing the expired ones. */
    public long size() {
        long now = ticker.read();
        profiles.entrySet().removeIf(e -> expired(e.getValue(), now));
        return profiles.size();
    }

    private long expiresAt(Duration ttl, long now) {
        if (ttl.isZero()) {
            return NEVER;
        }
        anyExpiry = true;
        long nanos = ttl.toNanos();
        return nanos >= NEVER - now ? NEVER : now + nanos;
    }

    /** Checks a few entries for expiry, resuming where the last sweep stopped. */
    private synchronized void sweep(int entries, long now) {
        for (int i = 0; i < entries; i++) {
            if (sweep == null || !sweep.hasNext()) {
                sweep = profiles.entrySet().iterator();
                if (!sweep.hasNext()) {
                    return;
                }
            }
            Map.Entry<String, Object> e = sweep.next();
            if (expired(e.getValue(), now)) {
                profiles.remove(e.getKey(), e.getValue());
            }
        }
    }

    /** Builds an {@link InMemoryProfileStore}. Mutable and not thread-safe. */
    public static final class Builder {
        private Ticker ticker = Ticker.systemTicker();
        private Duration tombstoneRetention = Duration.ofDays(30);

        private Builder() {
        }

        /** The time source for expiry, in nanoseconds (tests pass a fake one). */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** How long a tombstone outlives an erase; long enough to outlive a replay of your topics. */
        public Builder tombstoneRetention(Duration retention) {
            if (retention.isNegative() || retention.isZero()) {
                throw new IllegalArgumentException("tombstoneRetention must be positive, got " + retention);
            }
            this.tombstoneRetention = retention;
            return this;
        }

        public InMemoryProfileStore build() {
            return new InMemoryProfileStore(this);
        }
    }
}
