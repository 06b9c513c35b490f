package io.profilekit;

import com.github.benmanes.caffeine.cache.Ticker;
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Records events and serves profiles: validates each event, drops the ones already applied,
 * reduces the rest to deltas and writes each touched profile once per batch, conditionally.
 *
 * <pre>{@code
 * try (ProfileEngine engine = ProfileEngine.builder().reducer(reducer).build()) {
 *     engine.record(Event.of("u42", "page_view").with("url", "/shoes")).join();
 *     Optional<Profile> p = engine.get("u42");
 * }
 * }</pre>
 *
 * <p>Thread-safe: any number of threads may record and read at once; no update is lost. Within
 * this process, writes for one user are serialized; across processes sharing a store, conditional
 * writes (compare-and-set on the profile's version) and retries keep every update.
 *
 * <p>In direct mode (this class on its own) {@code record} applies the event on the calling thread
 * and returns a completed future. The future completes normally with a {@link RecordResult} for
 * applied, duplicate, erased and rejected events alike; it completes exceptionally with a
 * {@link ProfileStoreException} only when the store failed.
 *
 * <p>{@link #close()} closes the store only if the engine created it (the default in-memory store).
 */
public final class ProfileEngine implements AutoCloseable {
    private final ProfileReducer reducer;
    private final ProfileStore store;
    private final boolean ownsStore;
    private final EventValidator validator;
    private final Clock clock;
    private final Ticker ticker;
    private final List<ProfileChangeListener> listeners;
    private final int seenEventsCapacity;
    private final int maxWriteAttempts;
    private final Duration profileTtl;
    private final EngineCounters counters = new EngineCounters();
    private final BatchApplier applier;
    private volatile boolean closed;

    private ProfileEngine(Builder b) {
        this.reducer = Objects.requireNonNull(b.reducer, "reducer is required: ProfileEngine.builder().reducer(...)");
        this.ownsStore = b.store == null;
        this.store = b.store != null ? b.store : new InMemoryProfileStore();
        this.clock = b.clock;
        this.ticker = b.ticker;
        this.validator = new EventValidator(b.schemas, b.limits, b.clock);
        this.listeners = List.copyOf(b.listeners);
        this.seenEventsCapacity = b.seenEventsCapacity;
        this.maxWriteAttempts = b.maxWriteAttempts;
        this.profileTtl = b.profileTtl;
        this.applier = new BatchApplier(this);
    }

    /** A builder; only the reducer is required. Not thread-safe. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Records one event: validates it, and applies it unless it was applied before.
     *
     * @return a future of the outcome; exceptional only when the store failed
     */
    public CompletableFuture<RecordResult> record(Event event) {
        Objects.requireNonNull(event, "event");
        return recordAll(List.of(event)).thenApply(list -> list.get(0));
    }

    /**
     * Records a batch of events with one store load and one store write per batch (one write per
     * touched user). Events of one user are applied in the given order.
     *
     * @return a future of the outcomes, in the order of {@code events}
     */
    public CompletableFuture<List<RecordResult>> recordAll(Collection<Event> events) {
        try {
            return CompletableFuture.completedFuture(applyInternal(new ArrayList<>(events), null, null, null));
        } catch (ProfileStoreException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Applies a batch of events read from sources such as Kafka partitions, synchronously, with
     * per-source offset fences: an event at or below the fence of its source in its user's profile
     * was applied before and is reported {@link RecordResult.Outcome#DUPLICATE}. This is what
     * gives exactly-once effect over at-least-once delivery.
     *
     * @return the outcomes, in the order of {@code events}
     * @throws ProfileStoreException when the store failed; nothing of the batch is lost, since
     *                               applying the batch again is safe
     */
    public List<RecordResult> applyBatch(List<SourcedEvent> events) {
        return applyBatch(events, null);
    }

    /**
     * Like {@link #applyBatch(List)}, and also tells {@code batchListener} of each profile change this
     * call wrote, after the engine's own listeners, on the calling thread, before returning. Lets a
     * caller that did not build the engine (such as a Kafka processor publishing change records)
     * see the changes of its own batches only.
     *
     * @param batchListener receives this batch's changes; may be null
     */
    public List<RecordResult> applyBatch(List<SourcedEvent> events, ProfileChangeListener batchListener) {
        List<Event> plain = new ArrayList<>(events.size());
        String[] sources = new String[events.size()];
        long[] offsets = new long[events.size()];
        for (int i = 0; i < events.size(); i++) {
            SourcedEvent s = events.get(i);
            plain.add(s.event());
            sources[i] = s.source();
            offsets[i] = s.offset();
        }
        return applyInternal(plain, sources, offsets, batchListener);
    }

    private List<RecordResult> applyInternal(List<Event> events, String[] sources, long[] offsets,
                                             ProfileChangeListener batchListener) {
        if (closed) {
            throw new IllegalStateException("ProfileEngine is closed");
        }
        long start = ticker.read();
        RecordResult[] results = applier.apply(events, sources, offsets, batchListener);
        counters.count(results);
        counters.applyLatency.record(ticker.read() - start);
        return Arrays.asList(results);
    }

    /**
     * The user's profile as of now, or empty when the user has none (never recorded, or erased).
     *
     * @throws ProfileStoreException when the store failed
     */
    public Optional<Profile> get(String userId) {
        Objects.requireNonNull(userId, "userId");
        return Optional.ofNullable(getAll(List.of(userId)).get(userId));
    }

    /** The profiles of several users in one store call; users without a profile are absent. */
    public Map<String, Profile> getAll(Collection<String> userIds) {
        Map<String, ProfileState> states = storeCall(() -> store.loadAll(userIds));
        Instant now = clock.instant();
        Map<String, Profile> out = new HashMap<>(Math.max(4, states.size() * 2));
        states.forEach((id, s) -> {
            if (s.lastEventTime() != ProfileState.NONE) {
                out.put(id, Profile.of(s, now));
            }
        });
        return out;
    }

    /** A snapshot of the counters and the apply latency histogram. */
    public EngineMetrics metrics() {
        return counters.snapshot();
    }

    /** The store profiles are kept in. */
    public ProfileStore store() {
        return store;
    }

    /** Closes the store if the engine created it. Further records fail with IllegalStateException. */
    @Override
    public void close() {
        closed = true;
        if (ownsStore) {
            store.close();
        }
    }

    <T> T storeCall(Supplier<T> call) {
        try {
            return call.get();
        } catch (ProfileStoreException e) {
            counters.storeFailures.increment();
            throw e;
        } catch (RuntimeException e) {
            counters.storeFailures.increment();
            throw new ProfileStoreException("profile store " + store.getClass().getSimpleName() + " failed: " + e, e);
        }
    }

    ProfileReducer reducer() {
        return reducer;
    }

    EventValidator validator() {
        return validator;
    }

    Clock clock() {
        return clock;
    }

    List<ProfileChangeListener> listeners() {
        return listeners;
    }

    int seenEventsCapacity() {
        return seenEventsCapacity;
    }

    int maxWriteAttempts() {
        return maxWriteAttempts;
    }

    Duration profileTtl() {
        return profileTtl;
    }

    EngineCounters counters() {
        return counters;
    }

    /** Builds a {@link ProfileEngine}. Mutable and not thread-safe; {@link #build()} validates. */
    public static final class Builder {
        private ProfileReducer reducer;
        private ProfileStore store;
        private EventSchemas schemas = EventSchemas.builtIn();
        private EventLimits limits = EventLimits.defaults();
        private Clock clock = Clock.systemUTC();
        private Ticker ticker = Ticker.systemTicker();
        private final List<ProfileChangeListener> listeners = new ArrayList<>();
        private int seenEventsCapacity = 128;
        private int maxWriteAttempts = 32;
        private Duration profileTtl = Duration.ZERO;

        private Builder() {
        }

        /** How events become deltas. Required. */
        public Builder reducer(ProfileReducer reducer) {
            this.reducer = Objects.requireNonNull(reducer, "reducer");
            return this;
        }

        /** Where profiles live; default a new {@link InMemoryProfileStore}, closed with the engine. */
        public Builder store(ProfileStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The event schemas; default {@link EventSchemas#builtIn()}. */
        public Builder schemas(EventSchemas schemas) {
            this.schemas = Objects.requireNonNull(schemas, "schemas");
            return this;
        }

        /** Size and time limits on events; default {@link EventLimits#defaults()}. */
        public Builder limits(EventLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** The wall clock: future-skew checks, values of decaying scores and windows at read time. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The nanosecond ticker that latencies are measured with. */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** Adds a listener of profile changes. */
        public Builder listener(ProfileChangeListener listener) {
            this.listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * How many recent event ids each profile keeps to drop resends (default 128, the newest by
         * event time). A resend of an event older than all of them cannot be detected by id.
         */
        public Builder seenEventsCapacity(int capacity) {
            if (capacity < 1 || capacity > 65_536) {
                throw new IllegalArgumentException("seenEventsCapacity must be within 1..65536, got " + capacity);
            }
            this.seenEventsCapacity = capacity;
            return this;
        }

        /** How many times a write that lost a race with another writer is retried (default 32). */
        public Builder maxWriteAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxWriteAttempts must be at least 1, got " + attempts);
            }
            this.maxWriteAttempts = attempts;
            return this;
        }

        /** How long a profile lives without events before the store drops it; default forever. */
        public Builder profileTtl(Duration ttl) {
            if (ttl.isNegative()) {
                throw new IllegalArgumentException("profileTtl must not be negative, got " + ttl);
            }
            this.profileTtl = ttl;
            return this;
        }

        public ProfileEngine build() {
            return new ProfileEngine(this);
        }
    }
}
