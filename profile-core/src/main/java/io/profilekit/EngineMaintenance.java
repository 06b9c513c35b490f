package io.profilekit;

import io.profilekit.internal.SlidingLatency;
import io.profilekit.internal.WorkingProfile;
import io.profilekit.spi.SessionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The engine's periodic work: ending idle sessions, flushing coalesced changes, and watching the
 * windowed p99 for the latency alert; with the thread that runs it, when the engine wants one.
 * Thread-safe.
 */
final class EngineMaintenance implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EngineMaintenance.class);
    private static final int IDLE_PAGE = 500;
    /** The largest page of idle sessions asked for, when many at its head do not end. */
    private static final int MAX_IDLE_PAGE = 50_000;

    private final ProfileEngine engine;
    private final WriteLoop writes;
    private final DeferredDeltas deferred;
    private final SlidingLatency slidingLatency;
    private final Duration alertThreshold;
    private final Duration alertWindow;
    private final Consumer<LatencyAlert> alertListener;
    private final ScheduledExecutorService scheduler;
    /** The scheduler's thread, once it has started. */
    private volatile Thread thread;
    private boolean alerting;
    static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    EngineMaintenance(ProfileEngine engine, WriteLoop writes, DeferredDeltas deferred, Duration alertThreshold,
                      Duration alertWindow, Consumer<LatencyAlert> alertListener, Duration interval, boolean start) {
        this.engine = engine;
        this.writes = writes;
        this.deferred = deferred;
        this.alertThreshold = alertThreshold;
        this.alertWindow = alertWindow;
        this.alertListener = alertListener;
        this.slidingLatency = alertListener != null ? new SlidingLatency(alertWindow.toMillis(), 20) : null;
        boolean periodic = engine.sessionTracker() != null || deferred != null || alertListener != null;
        if (periodic && start) {
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "profilekit-maintenance");
                t.setDaemon(true);
                thread = t;
                return t;
            });
            scheduler.scheduleWithFixedDelay(this::maintainQuietly, interval.toMillis(), interval.toMillis(),
                    TimeUnit.MILLISECONDS);
        } else {
            scheduler = null;
        }
    }

    /** Feeds one call's record-to-applied latency to the alert's sliding window. */
    void recordLatency(long nanos) {
        if (slidingLatency != null) {
            slidingLatency.record(nanos, engine.clock().millis());
        }
    }

    boolean endSession(String userId) {
        if (engine.sessionTracker() == null) {
            return false;
        }
        return commitSessions(List.of(userId), Long.MAX_VALUE) > 0;
    }

    void maintain() {
        SessionTracker tracker = engine.sessionTracker();
        if (tracker != null) {
            long cutoff = engine.clock().millis() - tracker.gapMillis();
            // users handled in this run: a session that did not end (its removal refused, its profile
            // unreadable; logged) comes back, oldest first, in the next page, which grows past such
            // sessions; a page of only those ends the run, not an endless loop
            Set<String> handled = new HashSet<>();
            int limit = IDLE_PAGE;
            while (true) {
                int page = limit;
                List<SessionState> idle = engine.sessionStoreCall(() -> engine.sessionStore().idle(cutoff, page));
                List<String> users = idle.stream().map(SessionState::userId).filter(handled::add).toList();
                if (users.isEmpty()) {
                    break;
                }
                commitSessions(users, cutoff);
                if (idle.size() < page) {
                    break;
                }
                // the sessions that ended are gone from the next page, the others (at most this page)
                // come back first: one more page size always reaches past them
                limit = (int) Math.min(MAX_IDLE_PAGE, (long) page + IDLE_PAGE);
            }
        }
        flush();
        checkLatencyAlert();
    }

    private void maintainQuietly() {
        try {
            maintain();
        } catch (RuntimeException e) {
            log.warn("profile engine maintenance failed; next run in one interval", e);
        }
    }

    private int commitSessions(List<String> users, long lastEventAtOrBefore) {
        if (users.isEmpty()) {
            return 0;
        }
        // per user, whether the last run of its work committed: a run whose write lost to another
        // writer is run again, and only the run that landed counts
        Map<String, Boolean> committed = new ConcurrentHashMap<>();
        writes.run(users, true, null, new WriteLoop.UserWork() {
            @Override
            public SessionTracker.Outcome run(WorkingProfile w, SessionState session) {
                if (session == null || session.lastEvent() > lastEventAtOrBefore) {
                    committed.remove(w.base().userId());
                    return null;
                }
                boolean now = engine.sessionTracker().commit(w, session);
                committed.put(w.base().userId(), now);
                return new SessionTracker.Outcome(null, session, now ? 1 : 0);
            }

            @Override
            public void unreadable(String userId, String problem, UnreadableProfilesException e) {
                // the others' sessions end; this one stays live, tried again by the next run
                committed.remove(userId);
                log.error("the session of user {} is not committed: its stored profile cannot be read: {}", userId, problem);
            }
        });
        return (int) committed.values().stream().filter(Boolean::booleanValue).count();
    }

    void flush() {
        if (deferred == null) {
            return;
        }
        long now = engine.clock().millis();
        Map<String, List<DeferredDeltas.Sealed>> pending = deferred.drain(now);
        if (pending.isEmpty()) {
            return;
        }
        Set<String> landed = ConcurrentHashMap.newKeySet();
        Set<String> unreadable = ConcurrentHashMap.newKeySet();
        try {
            writes.run(pending.keySet(), false, null, new WriteLoop.UserWork() {
                @Override
                public SessionTracker.Outcome run(WorkingProfile w, SessionState session) {
                    flushInto(w, pending.get(w.base().userId()));
                    return null;
                }

                @Override
                public void unreadable(String userId, String problem, UnreadableProfilesException e) {
                    unreadable.add(userId); // its deltas wait for the next flush; the others' are written
                }
            }, w -> landed.add(w.base().userId()));
        } catch (RuntimeException e) {
            deferred.requeue(pending, landed);
            throw e;
        }
        if (!unreadable.isEmpty()) {
            Map<String, List<DeferredDeltas.Sealed>> kept = new HashMap<>(pending);
            kept.keySet().retainAll(unreadable);
            kept.keySet().removeAll(landed); // read and written by a retry of the round after all
            deferred.requeue(kept, Set.of());
            log.error("flush kept the changes of {} user(s) whose stored profile cannot be read, for the next flush"
                    + " (first: {})", unreadable.size(), unreadable.iterator().next());
        }
    }

    /** Applies a user's sealed deferred deltas to {@code w}, each once. */
    private void flushInto(WorkingProfile w, List<DeferredDeltas.Sealed> sealed) {
        for (DeferredDeltas.Sealed s : sealed) {
            if (w.erasedAfter(s.newestEvent())) {
                continue; // its events were erased since (by this instance or another)
            }
            // remembered like an event id: a write that reached the store before a failure is
            // recognised by the retry (and by the next flush) and not applied twice
            boolean verifiable = w.verifiable(s.time(), s.id());
            if (w.remember(s.time(), s.id())) {
                if (!verifiable) {
                    // handed back by a failed flush and pushed out of the window since: like an
                    // event that old, applied and counted
                    engine.counters().unverifiable.increment();
                }
                w.apply(s.delta(), w.base().lastEventTime(), "flush");
            }
        }
    }

    private void checkLatencyAlert() {
        if (alertListener == null) {
            return;
        }
        long p99 = slidingLatency.p99(engine.clock().millis());
        boolean above = p99 > alertThreshold.toNanos();
        synchronized (this) {
            if (above == alerting) {
                return;
            }
            alerting = above;
        }
        alertListener.accept(new LatencyAlert(Duration.ofNanos(Math.max(0, p99)), alertThreshold, alertWindow,
                engine.clock().instant(), above));
    }

    /**
     * Stops the scheduler, waiting up to {@link #CLOSE_WAIT} for a run in progress (not when called
     * from that run itself), so that no run touches the stores after the engine closed them.
     */
    @Override
    public void close() {
        if (scheduler == null) {
            return;
        }
        scheduler.shutdown();
        if (Thread.currentThread() == thread) {
            return; // closed by a listener during a maintenance run: it ends when it returns
        }
        try {
            if (!scheduler.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("a maintenance run of the profile engine did not end within {}; interrupting it", CLOSE_WAIT);
                scheduler.shutdownNow();
            }
        } catch (InterruptedException e) {
            scheduler.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
