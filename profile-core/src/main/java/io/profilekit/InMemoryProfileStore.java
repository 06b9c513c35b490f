package io.profilekit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
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
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link ProfileStore} in this process's memory, on Caffeine. In direct mode it holds the only
 * copy of the profiles, so it never evicts for size; a profile goes only when its write's TTL
 * passes without another write, and a tombstone after {@link Builder#tombstoneRetention}.
 *
 * <p>Thread-safe; each user's write is atomic. Loads and writes are in-process calls, so a batch
 * costs no round trip.
 */
public final class InMemoryProfileStore implements ProfileStore {
    private final Cache<String, Entry> profiles;
    private final Duration tombstoneRetention;

    private record Entry(ProfileState state, long ttlNanos) {
    }

    private InMemoryProfileStore(Builder b) {
        this.tombstoneRetention = b.tombstoneRetention;
        this.profiles = Caffeine.newBuilder()
                .ticker(b.ticker)
                .expireAfter(new Expiry<String, Entry>() {
                    @Override
                    public long expireAfterCreate(String key, Entry value, long currentTime) {
                        return value.ttlNanos;
                    }

                    @Override
                    public long expireAfterUpdate(String key, Entry value, long currentTime, long currentDuration) {
                        return value.ttlNanos;
                    }

                    @Override
                    public long expireAfterRead(String key, Entry value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .build();
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
        for (String id : userIds) {
            Entry e = profiles.getIfPresent(id);
            if (e != null) {
                out.put(id, e.state);
            }
        }
        return out;
    }

    @Override
    public List<WriteOutcome> writeAll(List<ProfileWrite> writes) {
        List<WriteOutcome> outcomes = new ArrayList<>(writes.size());
        for (ProfileWrite w : writes) {
            WriteOutcome.Status[] status = new WriteOutcome.Status[1];
            profiles.asMap().compute(w.userId(), (id, current) -> {
                long storedVersion = current == null ? 0 : current.state.version();
                if (storedVersion != w.expectedVersion()) {
                    status[0] = WriteOutcome.Status.CONFLICT;
                    return current;
                }
                if (current != null) {
                    for (Map.Entry<String, Long> f : w.fences().entrySet()) {
                        if (current.state.fence(f.getKey()) >= f.getValue()) {
                            status[0] = WriteOutcome.Status.STALE_FENCE;
                            return current;
                        }
                    }
                }
                status[0] = WriteOutcome.Status.WRITTEN;
                return new Entry(w.state(), ttlNanos(w.ttl()));
            });
            outcomes.add(new WriteOutcome(w.userId(), status[0]));
        }
        return outcomes;
    }

    @Override
    public void erase(String userId, Instant erasedAt) {
        Objects.requireNonNull(userId, "userId");
        long at = erasedAt.toEpochMilli();
        profiles.asMap().compute(userId, (id, current) -> {
            long version = current == null ? 0 : current.state.version();
            long previous = current == null ? ProfileState.NONE : current.state.erasedAt();
            ProfileState tombstone = new ProfileState(id, version + 1, Map.of(), ProfileState.NONE,
                    SeenEvents.empty(), Map.of(), Math.max(at, previous));
            return new Entry(tombstone, ttlNanos(tombstoneRetention));
        });
    }

    /** How many profiles and tombstones the store holds now (expired ones may linger until cleaned up). */
    public long size() {
        profiles.cleanUp();
        return profiles.estimatedSize();
    }

    private static long ttlNanos(Duration ttl) {
        return ttl.isZero() ? Long.MAX_VALUE : ttl.toNanos();
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
