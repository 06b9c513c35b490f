package io.profilekit;

import com.github.benmanes.caffeine.cache.Ticker;
import io.profilekit.internal.UserLocks;
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileStore;
import io.profilekit.spi.SessionState;
import io.profilekit.spi.SessionStore;

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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
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
 * and returns a completed future, so a {@link #get} after it sees the event; with a
 * {@link Builder#flushInterval}, only the reducer's critical attributes are written then, and the
 * rest at the next flush. The future completes normally with a {@link RecordResult} for
 * applied, duplicate, erased and rejected events alike; it completes exceptionally with a
 * {@link ProfileStoreException} only when the store failed.
 *
 * <p>A resent event (same {@link Event#eventId()}) counts once as long as the profile still holds
 * its id among the newest {@link Builder#seenEventsCapacity} event ids; an older one cannot be told
 * apart and is applied ({@link EngineMetrics#unverifiable()} counts such events). Events carrying a
 * source offset ({@link #applyBatch}) are also fenced by offset, whatever their age.
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
    /** Erase listeners added to the running engine ({@link #addEraseListener}). */
    private final List<BiConsumer<String, Instant>> eraseListeners = new CopyOnWriteArrayList<>();
    private final int seenEventsCapacity;
    private final int maxWriteAttempts;
    private final Duration profileTtl;
    private final EngineCounters counters = new EngineCounters();
    private final Duration allowedLateness;
    private final LateEventHandler lateEventHandler;
    private final SessionStore sessionStore;
    private final boolean ownsSessionStore;
    private final SessionTracker sessionTracker;
    private final int storeRetries;
    private final Duration storeRetryBackoff;
    private final FallbackCopies fallback;
    private final Duration flushInterval;
    private final DeferredDeltas deferred;
    private final BatchApplier applier;
    private final WriteLoop writeLoop;
    private final EngineMaintenance maintenance;
    private volatile boolean closed;
    /** Held (shared) by each batch while it applies; {@link #close()} takes it to wait for them. */
    private final ReentrantReadWriteLock inFlight = new ReentrantReadWriteLock();

    /** A profile state as last read or written, and when (epoch milliseconds of the engine's clock). */

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
        this.allowedLateness = b.allowedLateness;
        this.lateEventHandler = b.lateEventHandler;
        this.ownsSessionStore = b.sessionStore == null;
        this.sessionStore = b.sessionStore != null ? b.sessionStore
                : b.sessionGap != null ? new InMemorySessionStore() : null;
        this.sessionTracker = sessionStore != null
                ? new SessionTracker((b.sessionGap != null ? b.sessionGap : DEFAULT_SESSION_GAP).toMillis())
                : null;
        this.storeRetries = b.storeRetries;
        this.storeRetryBackoff = b.storeRetryBackoff;
        this.fallback = new FallbackCopies(b.lastKnownGoodSize);
        this.flushInterval = b.flushInterval;
        this.deferred = flushInterval.isZero() ? null : new DeferredDeltas();
        this.writeLoop = new WriteLoop(this);
        this.applier = new BatchApplier(this, writeLoop);
        Duration every = deferred != null && flushInterval.compareTo(b.maintenanceInterval) < 0
                ? flushInterval : b.maintenanceInterval;
        this.maintenance = new EngineMaintenance(this, writeLoop, deferred, b.alertThreshold, b.alertWindow,
                b.alertListener, every, b.startScheduler);
    }

    /** The inactivity gap that ends a session by default. */
    public static final Duration DEFAULT_SESSION_GAP = Duration.ofMinutes(30);

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
            return CompletableFuture.completedFuture(applyInternal(new ArrayList<>(events), null, null, deferred, null));
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
     * call wrote, on the calling thread, before returning. Lets a caller that did not build the
     * engine (such as a Kafka processor publishing change records) see the changes of its own
     * batches only. It hears them before the engine's own listeners and while the batch's users are
     * still locked, so that a change reaches it before anything that happens to those users after
     * the write (an erase, whose erase listeners run after it): it must be quick and must not call
     * back into the engine.
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
        return applyInternal(plain, sources, offsets, null, batchListener);
    }

    private List<RecordResult> applyInternal(List<Event> events, String[] sources, long[] offsets,
                                             DeferredDeltas defer, ProfileChangeListener batchListener) {
        // tryLock, not lock: a reader queued behind close() waiting for the write lock would wait for
        // the batches in flight, and one of them may be waiting for it (a listener recording through
        // another thread); the write lock is only ever held by close(), after it set closed
        if (!inFlight.readLock().tryLock()) {
            throw new IllegalStateException("ProfileEngine is closed");
        }
        try {
            if (closed) {
                throw new IllegalStateException("ProfileEngine is closed");
            }
            long start = ticker.read();
            RecordResult[] results = applier.apply(events, sources, offsets, defer, batchListener);
            counters.count(results);
            long took = ticker.read() - start;
            counters.applyLatency.record(took);
            maintenance.recordLatency(took);
            return Arrays.asList(results);
        } finally {
            inFlight.readLock().unlock();
        }
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

    /**
     * The profiles of several users in one store call; users without a profile are absent.
     * Attributes past their time to live are left out, and so are profiles past the inactivity TTL.
     *
     * <p>When the store fails, profiles this engine has read recently (kept current by its later
     * writes of them) are served from its last-known-good copies, marked stale with their age
     * ({@link Profile#freshness()}); so are the copies a caching store offers with a
     * {@link StaleCopiesException} (the younger of the two wins). When any requested user has no
     * copy, the store's failure is thrown.
     *
     * @throws ProfileStoreException when the store failed and a copy is missing
     */
    public Map<String, Profile> getAll(Collection<String> userIds) {
        Instant now = clock.instant();
        Map<String, ProfileState> states;
        Map<String, Profile.Freshness> stale = Map.of();
        long readStarted = fallback.readStarting();
        // when the store fails, the users to serve from a copy: all of them, or only those whose
        // stored profile cannot be read (the others as read)
        Collection<String> missing = List.of();
        ProfileStoreException failure = null;
        try {
            states = storeCall(() -> store.loadAll(userIds));
        } catch (UnreadableProfilesException e) {
            states = new HashMap<>(e.readable());
            missing = e.problems().keySet();
            failure = e;
        } catch (ProfileStoreException e) {
            states = new HashMap<>();
            missing = userIds;
            failure = e;
        }
        for (ProfileState s : states.values()) {
            fallback.loaded(s, now.toEpochMilli(), readStarted);
        }
        if (failure != null) {
            StaleCopiesException offered = failure instanceof StaleCopiesException s ? s : null;
            stale = new HashMap<>();
            for (String id : missing) {
                FallbackCopies.Copy k = fallback.get(id);
                Duration own = k == null ? null : Duration.ofMillis(Math.max(0, now.toEpochMilli() - k.atMillis()));
                Duration theirs = offered == null ? null : offered.ages().get(id);
                if (theirs != null && (own == null || theirs.compareTo(own) <= 0)) {
                    ProfileState copy = offered.copies().get(id);
                    if (copy != null) {
                        states.put(id, copy);
                        stale.put(id, new Profile.Freshness(true, theirs));
                    }
                } else if (own != null) {
                    states.put(id, k.state());
                    stale.put(id, new Profile.Freshness(true, own));
                } else {
                    throw failure;
                }
            }
        }
        Map<String, Profile> out = new HashMap<>(Math.max(4, states.size() * 2));
        for (ProfileState s : states.values()) {
            if (s.lastEventTime() == ProfileState.NONE
                    || (!profileTtl.isZero() && Profile.expired(s.lastEventTime(), profileTtl, now.toEpochMilli()))) {
                continue;
            }
            out.put(s.userId(), Profile.of(s, now, reducer.ttls(), stale.getOrDefault(s.userId(), Profile.Freshness.FRESH)));
        }
        return out;
    }

    /**
     * Erases a user: removes the profile, the live session, pending changes and every copy this
     * engine holds, and leaves a tombstone with the erase time: now by the engine's clock, or the
     * profile's newest event time when that is later (an event may be stamped up to the allowed
     * future skew). Events of the user with an event time at or before it are dropped from then on,
     * even when replayed; later events start a fresh profile. Listeners get
     * {@link ProfileChangeListener#onErase} with that time.
     *
     * @throws ProfileStoreException when the store failed (then erase again)
     */
    public void erase(String userId) {
        Objects.requireNonNull(userId, "userId");
        Instant at;
        UserLocks.Held held = writeLoop.locks().lock(List.of(userId));
        try {
            // an event up to the allowed future skew may have been applied already: the erase time is
            // at least the profile's newest event time, so that a replay of it is dropped too
            ProfileState current;
            try {
                current = storeCall(() -> store.loadAll(List.of(userId))).get(userId);
            } catch (ProfileStoreException unreadable) {
                // a profile the store cannot read (or a failing store, which the erase itself then
                // reports): erased at the clock's time
                current = null;
            }
            long now = clock.millis();
            long erasedAt = current == null ? now : Math.max(now, current.lastEventTime());
            at = Instant.ofEpochMilli(erasedAt);
            storeCall(() -> {
                store.erase(userId, at);
                return null;
            });
            // what this engine holds first, before the session store's call, which may fail: the
            // fallback copy becomes the tombstone, kept after any read that began before, so that
            // such a read cannot put the erased profile back
            if (deferred != null) {
                deferred.remove(userId);
            }
            writeLoop.forgetUncertain(userId);
            fallback.erased(userId, current == null ? 0 : current.version(), erasedAt, now);
            if (sessionStore != null) {
                sessionStoreCall(() -> {
                    sessionStore.erase(userId);
                    return null;
                });
            }
        } finally {
            writeLoop.locks().unlock(held);
        }
        for (ProfileChangeListener l : listeners) {
            try {
                l.onErase(userId, at);
            } catch (RuntimeException ex) {
                counters.listenerFailures.increment();
                org.slf4j.LoggerFactory.getLogger(ProfileEngine.class).error("listener {} failed on erase of {}", l, userId, ex);
            }
        }
        for (BiConsumer<String, Instant> l : eraseListeners) {
            try {
                l.accept(userId, at);
            } catch (RuntimeException ex) {
                counters.listenerFailures.increment();
                org.slf4j.LoggerFactory.getLogger(ProfileEngine.class).error("erase listener {} failed on erase of {}", l, userId, ex);
            }
        }
    }

    /**
     * Calls {@code listener} with the user and the erase time after each erase this engine makes
     * from now on, like {@link ProfileChangeListener#onErase} of the listeners given to the builder.
     * For components built on a running engine, such as a Kafka processor that publishes a tombstone
     * to {@code profile-updates} for each erase. A failure is logged and counted
     * ({@link EngineMetrics#callbackFailures()}), the erase stands. Thread-safe.
     */
    public void addEraseListener(BiConsumer<String, Instant> listener) {
        eraseListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Stops calling a listener {@link #addEraseListener added}; false when it was not there. */
    public boolean removeEraseListener(BiConsumer<String, Instant> listener) {
        return eraseListeners.remove(listener);
    }

    /**
     * The user's live session, or empty when the user has none (or sessions are off: see
     * {@link Builder#sessions(Duration)}).
     */
    public Optional<Session> session(String userId) {
        if (sessionStore == null) {
            return Optional.empty();
        }
        SessionState s = sessionStoreCall(() -> sessionStore.loadAll(List.of(userId))).get(userId);
        return s == null ? Optional.empty() : Optional.of(Session.of(s, clock.millis()));
    }

    /**
     * Ends the user's live session now and commits it to the profile; false when there was none, or
     * when its profile cannot be read (the session then stays live).
     */
    public boolean endSession(String userId) {
        return maintenance.endSession(userId);
    }

    /**
     * Runs the engine's periodic work now: commits sessions idle for longer than the gap (by the
     * clock), flushes coalesced non-critical changes, and checks the latency alert. The engine's
     * scheduler calls it every second (or every flush interval); call it yourself when the
     * scheduler is off ({@link Builder#scheduler(boolean)}), in tests for instance.
     */
    public void maintain() {
        maintenance.maintain();
    }

    /** Writes the coalesced non-critical changes now, one write per user (see {@link Builder#flushInterval}). */
    public void flush() {
        maintenance.flush();
    }

    /** Per source, the current watermark: the newest event time seen minus the allowed lateness. */
    public Map<String, Instant> watermarks() {
        Map<String, Instant> out = new java.util.TreeMap<>();
        applier.watermarks().snapshot().forEach((k, v) -> out.put(k, Instant.ofEpochMilli(v)));
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

    /**
     * Refuses further records (they fail with IllegalStateException), waits for the batches already
     * applying and for a maintenance run in progress, flushes coalesced changes, and closes the
     * stores the engine created. Called from a listener, on a thread that is applying a batch, it
     * does not wait for batches in flight (it cannot wait for its own): batches of other threads may
     * then still be applying while it flushes and closes the stores it created, and fail.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (inFlight.getReadHoldCount() == 0) {
            inFlight.writeLock().lock(); // every batch that got in has finished
            inFlight.writeLock().unlock();
        }
        maintenance.close();
        try {
            flush();
        } finally {
            if (ownsSessionStore && sessionStore != null) {
                sessionStore.close();
            }
            if (ownsStore) {
                store.close();
            }
        }
    }

    <T> T storeCall(Supplier<T> call) {
        return storeCall("profile store " + store.getClass().getName(), call);
    }

    /** A call to the session store: its failures are counted and named like the profile store's. */
    <T> T sessionStoreCall(Supplier<T> call) {
        return storeCall("session store " + sessionStore.getClass().getName(), call);
    }

    private <T> T storeCall(String which, Supplier<T> call) {
        try {
            return call.get();
        } catch (ProfileStoreException e) {
            counters.storeFailures.increment();
            throw e;
        } catch (RuntimeException e) {
            counters.storeFailures.increment();
            throw new ProfileStoreException(which + " failed: " + e, e);
        }
    }

    WriteLoop writeLoop() {
        return writeLoop;
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

    Duration allowedLateness() {
        return allowedLateness;
    }

    LateEventHandler lateEventHandler() {
        return lateEventHandler;
    }

    SessionStore sessionStore() {
        return sessionStore;
    }

    SessionTracker sessionTracker() {
        return sessionTracker;
    }

    int storeRetries() {
        return storeRetries;
    }

    Duration storeRetryBackoff() {
        return storeRetryBackoff;
    }

    /** The TTL a write carries: what is left of the inactivity TTL since the newest event. */
    Duration writeTtl(long lastEventTime, long nowMillis) {
        if (profileTtl.isZero() || lastEventTime == ProfileState.NONE) {
            return profileTtl;
        }
        return Duration.ofMillis(Math.max(1, lastEventTime + profileTtl.toMillis() - nowMillis));
    }

    /** Keeps a written state as the last-known-good copy of a user already read. */
    void remember(ProfileState written) {
        fallback.written(written, clock.millis());
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
        private int seenEventsCapacity = 64;
        private int maxWriteAttempts = 32;
        private Duration profileTtl = Duration.ZERO;
        private Duration allowedLateness = Duration.ofMinutes(5);
        private LateEventHandler lateEventHandler;
        private SessionStore sessionStore;
        private Duration sessionGap;
        private int storeRetries = 3;
        private Duration storeRetryBackoff = Duration.ofMillis(10);
        private int lastKnownGoodSize = 10_000;
        private Duration flushInterval = Duration.ZERO;
        private Duration maintenanceInterval = Duration.ofSeconds(1);
        private boolean startScheduler = true;
        private Duration alertThreshold;
        private Duration alertWindow;
        private Consumer<LatencyAlert> alertListener;

        private Builder() {
        }

        /**
         * How far behind its source's newest event time an event may be before it is late (default
         * 5 minutes). What happens to late events is the reducer's {@link LatePolicy}.
         */
        public Builder allowedLateness(Duration lateness) {
            if (lateness.isNegative()) {
                throw new IllegalArgumentException("allowedLateness must not be negative, got " + lateness);
            }
            this.allowedLateness = lateness;
            return this;
        }

        /** Receives late events under {@link LatePolicy#SIDE_OUTPUT}. */
        public Builder lateEventHandler(LateEventHandler handler) {
            this.lateEventHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Turns sessions on with the given inactivity gap, in the in-memory session store unless
         * {@link #sessionStore} gives another. Off by default.
         */
        public Builder sessions(Duration gap) {
            if (gap.isNegative() || gap.isZero()) {
                throw new IllegalArgumentException("session gap must be positive, got " + gap);
            }
            this.sessionGap = gap;
            return this;
        }

        /** Keeps live sessions in this store (turns sessions on, gap 30 minutes unless set). Not closed by the engine. */
        public Builder sessionStore(SessionStore store) {
            this.sessionStore = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * How often a failed store call is retried before {@code record} fails (default 3), and the
         * first backoff, doubled on each retry (default 10 ms).
         */
        public Builder storeRetries(int retries, Duration backoff) {
            if (retries < 0 || backoff.isNegative()) {
                throw new IllegalArgumentException("storeRetries needs retries >= 0 and a backoff >= 0, got "
                        + retries + ", " + backoff);
            }
            this.storeRetries = retries;
            this.storeRetryBackoff = backoff;
            return this;
        }

        /** How many recently read profiles the engine keeps to serve, marked stale, when the store fails (default 10,000). */
        public Builder lastKnownGoodSize(int size) {
            if (size < 0) {
                throw new IllegalArgumentException("lastKnownGoodSize must not be negative, got " + size);
            }
            this.lastKnownGoodSize = size;
            return this;
        }

        /**
         * Coalesces the non-critical attributes of recorded events for up to this long, then writes
         * them with one write per user (default zero: everything is applied on {@code record}).
         * Attributes the reducer declares {@link ProfileReducer.Builder#critical critical} are
         * always applied on {@code record}. Applies to {@code record} and {@code recordAll}.
         */
        public Builder flushInterval(Duration interval) {
            if (interval.isNegative()) {
                throw new IllegalArgumentException("flushInterval must not be negative, got " + interval);
            }
            this.flushInterval = interval;
            return this;
        }

        /** How often the scheduler runs {@link ProfileEngine#maintain()} (default 1 second). */
        public Builder maintenanceInterval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("maintenanceInterval must be positive, got " + interval);
            }
            this.maintenanceInterval = interval;
            return this;
        }

        /** Whether the engine runs its own maintenance thread (default true); off, call {@code maintain()}. */
        public Builder scheduler(boolean start) {
            this.startScheduler = start;
            return this;
        }

        /**
         * Calls {@code listener} when the p99 of record-to-applied latency over the last
         * {@code window} goes above {@code threshold}, and again when it comes back under.
         */
        public Builder latencyAlert(Duration threshold, Duration window, Consumer<LatencyAlert> listener) {
            if (threshold.isNegative() || window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("latencyAlert needs a threshold >= 0 and a positive window");
            }
            this.alertThreshold = threshold;
            this.alertWindow = window;
            this.alertListener = Objects.requireNonNull(listener, "listener");
            return this;
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
         * How many recent event ids each profile keeps to drop resends (default 64, the newest by
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

        /**
         * How long a profile lives without events before the store drops it; default forever. A
         * profile started after an erase keeps the erase time, and the store keeps it at least as
         * long as a tombstone (its own retention), whatever this TTL.
         */
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
