package io.profilekit;

import io.profilekit.internal.Hashing;
import io.profilekit.internal.SortedAttributes;
import io.profilekit.internal.UserLocks;
import io.profilekit.internal.WorkingProfile;
import io.profilekit.op.Operation;
import io.profilekit.op.WindowedCount;
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileWrite;
import io.profilekit.spi.SessionState;
import io.profilekit.spi.WriteOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * The engine's one read-modify-write loop: validate and reduce every event, group by user, load all
 * users in one call, apply each user's events in order, write every changed user in one call with
 * compare-and-set, and retry only the users another writer got to first.
 */
final class BatchApplier {
    private static final Logger log = LoggerFactory.getLogger(BatchApplier.class);
    static final String DIRECT_SOURCE = "direct";

    private final ProfileEngine engine;
    /** At most this many users' writes of failed store calls are kept to be recognised later. */
    static final int MAX_UNCERTAIN = 10_000;

    private final UserLocks locks = new UserLocks();
    private final Watermarks watermarks;
    /**
     * Writes of store calls that failed, by user: each may or may not have reached the store. An
     * entry is added and taken only under its user's lock.
     */
    private final Map<String, Attempt> uncertain = new ConcurrentHashMap<>();

    /** One user's write in a round, with what to finish once the store has it. */
    private record Attempt(WorkingProfile working, ProfileWrite write, SessionTracker.Outcome session, UserWork work) {
    }

    /** A write the store took, whose change the listeners hear once the locks are released. */
    private record Landed(WorkingProfile working, ProfileState after, long now) {
    }

    BatchApplier(ProfileEngine engine) {
        this.engine = engine;
        this.watermarks = new Watermarks(engine.allowedLateness().toMillis());
    }

    UserLocks locks() {
        return locks;
    }

    Watermarks watermarks() {
        return watermarks;
    }

    /** What one user's part of a batch did; the write loop's unit of work. */
    @FunctionalInterface
    interface UserWork {
        /** Mutates {@code w} (and decides the user's live session); called again on each retry. */
        SessionTracker.Outcome run(WorkingProfile w, SessionState session);
    }

    /**
     * Applies a batch; {@code sources} and {@code offsets} are null in direct mode. With
     * {@code deferred} non-null, only critical attributes are applied now and the rest of each
     * applied event's delta is handed to {@code deferred} afterwards. {@code batchListener}, when not
     * null, hears this batch's changes after the engine's listeners.
     *
     * @throws ProfileStoreException when the store fails past the retries, or conflicts outlast the attempts
     */
    RecordResult[] apply(List<Event> events, String[] sources, long[] offsets, DeferredDeltas deferred,
                         ProfileChangeListener batchListener) {
        int n = events.size();
        RecordResult[] results = new RecordResult[n];
        Delta[] deltas = new Delta[n];
        Delta[] later = deferred != null ? new Delta[n] : null;
        long[] hashes = new long[n];
        boolean[] lateDropped = new boolean[n];
        long[] lateWatermark = null;
        ProfileReducer reducer = engine.reducer();
        EngineCounters counters = engine.counters();
        Map<String, int[]> byUser = new LinkedHashMap<>();
        Map<String, long[]> newestInBatch = new java.util.HashMap<>(4);
        for (int i = 0; i < n; i++) {
            Event e = Objects.requireNonNull(events.get(i), "event");
            List<Violation> violations = engine.validator().validate(e);
            if (!violations.isEmpty()) {
                results[i] = RecordResult.rejected(e, violations);
                continue;
            }
            Delta d;
            try {
                d = reducer.reduce(e);
            } catch (RuntimeException ex) {
                if (!(ex instanceof IllegalArgumentException)) {
                    log.warn("reducer failed on event {} of type {}", e.eventId(), e.type(), ex);
                }
                String msg = ex.getMessage() != null ? ex.getMessage() : ex.getClass().getName();
                results[i] = RecordResult.rejected(e, List.of(new Violation("reducer", msg)));
                continue;
            }
            long t = e.timestamp().toEpochMilli();
            // judged against the watermark before this batch, moved by the batch's own earlier
            // events; the shared watermark moves only once the batch is written, so a batch
            // retried after a store failure is judged the same way again
            String source = sources != null ? sources[i] : DIRECT_SOURCE;
            long[] seen = newestInBatch.computeIfAbsent(source, s -> new long[] {watermarks.newest(s)});
            long watermark = watermarks.watermark(seen[0]);
            seen[0] = Math.max(seen[0], t);
            if (t < watermark) {
                if (lateWatermark == null) {
                    lateWatermark = new long[n];
                    Arrays.fill(lateWatermark, Long.MIN_VALUE);
                }
                lateWatermark[i] = watermark;
                Delta kept = reducer.hasAttributeLatePolicies()
                        ? d.retain(name -> reducer.latePolicy(name) == LatePolicy.APPLY)
                        : reducer.latePolicy() == LatePolicy.APPLY ? d : Delta.empty();
                if (kept.size() < d.size()) {
                    counters.lateDropped.increment();
                }
                if (kept.size() > 0) {
                    counters.lateApplied.increment();
                }
                lateDropped[i] = kept.isEmpty() && !(d.isEmpty() && reducer.latePolicy() == LatePolicy.APPLY);
                d = kept;
            }
            if (later != null) {
                later[i] = d.retain(name -> !reducer.criticalAttributes().contains(name));
                d = d.retain(reducer.criticalAttributes()::contains);
            }
            deltas[i] = d;
            hashes[i] = Hashing.hash64(e.eventId());
            int[] idx = byUser.get(e.userId());
            if (idx == null) {
                byUser.put(e.userId(), new int[] {1, i});
            } else {
                if (idx[0] + 1 == idx.length) {
                    idx = Arrays.copyOf(idx, idx.length * 2);
                    byUser.put(e.userId(), idx);
                }
                idx[++idx[0]] = i;
            }
        }
        if (byUser.isEmpty()) {
            advanceWatermarks(newestInBatch);
            return results;
        }
        long now = engine.clock().millis();
        SessionTracker sessions = engine.sessionTracker();
        run(byUser.keySet(), sessions != null, batchListener, (w, session) -> {
            int[] idx = byUser.get(w.base().userId());
            for (int k = 1; k <= idx[0]; k++) {
                int i = idx[k];
                results[i] = applyOne(w, events.get(i), deltas[i], hashes[i], lateDropped[i],
                        sources != null ? sources[i] : null, offsets != null ? offsets[i] : -1, counters, now);
            }
            if (sessions == null) {
                return null;
            }
            return sessions.advance(w, session, SessionTracker.applied(events, idx, results));
        });
        advanceWatermarks(newestInBatch);
        if (lateWatermark != null) {
            sideOutput(events, sources, results, lateWatermark);
        }
        if (later != null) {
            for (int i = 0; i < n; i++) {
                if (results[i].outcome() == RecordResult.Outcome.APPLIED && !later[i].isEmpty()) {
                    deferred.add(events.get(i).userId(), later[i]);
                }
            }
        }
        return results;
    }

    private void advanceWatermarks(Map<String, long[]> newestInBatch) {
        newestInBatch.forEach((source, newest) -> {
            if (newest[0] != Long.MIN_VALUE) {
                watermarks.advance(source, newest[0]);
            }
        });
    }

    /**
     * Runs {@code work} for each user under the users' locks: loads profiles (and live sessions)
     * in one call each, writes every changed profile in one call, then the sessions; retries users
     * that lost a compare-and-set, and retries the whole round when the store fails. Listeners hear
     * the changes after the locks are released, so a listener may erase or record for any user.
     */
    void run(Collection<String> users, boolean withSessions, ProfileChangeListener batchListener, UserWork work) {
        List<Landed> landed = new ArrayList<>();
        UserLocks.Held held = locks.lock(users);
        try {
            int failures = 0;
            List<String> pending = new ArrayList<>(users);
            for (int attempt = 1; ; ) {
                try {
                    pending = round(pending, withSessions, work, landed);
                } catch (ProfileStoreException e) {
                    if (++failures > engine.storeRetries()) {
                        throw e;
                    }
                    log.warn("profile store failed ({}), retry {} of {}", e.getMessage(), failures, engine.storeRetries());
                    backoff(engine.storeRetryBackoff().toNanos() << Math.min(failures - 1, 10));
                    continue;
                }
                if (pending.isEmpty()) {
                    return;
                }
                if (++attempt > engine.maxWriteAttempts()) {
                    throw new ProfileStoreException("writes for " + pending.size() + " user(s) (first: "
                            + pending.get(0) + ") kept conflicting with other writers after "
                            + engine.maxWriteAttempts() + " attempts");
                }
                if (attempt > 2) {
                    backoff(ThreadLocalRandom.current().nextLong(50_000L * attempt));
                }
            }
        } finally {
            locks.unlock(held);
            if (!landed.isEmpty()) {
                notifyListeners(landed, batchListener);
            }
        }
    }

    private static void backoff(long nanos) {
        if (nanos > 0) {
            LockSupport.parkNanos(nanos);
        }
    }

    /** One load-apply-write round; returns the users to retry. Adds the users written to {@code landed}. */
    private List<String> round(List<String> pending, boolean withSessions, UserWork work, List<Landed> landed) {
        EngineCounters counters = engine.counters();
        Map<String, ProfileState> loaded = engine.storeCall(() -> engine.store().loadAll(pending));
        Map<String, SessionState> live = withSessions
                ? engine.storeCall(() -> engine.sessionStore().loadAll(pending)) : Map.of();
        long now = engine.clock().millis();
        List<ProfileWrite> writes = new ArrayList<>(pending.size());
        List<Attempt> attempts = new ArrayList<>(pending.size());
        boolean anyUncertain = !uncertain.isEmpty();
        for (String user : pending) {
            ProfileState base = loaded.get(user);
            SessionState session = live.get(user);
            if (anyUncertain) {
                Attempt earlier = uncertain.remove(user);
                if (earlier != null && earlier.write.state().equals(base)) {
                    // a write whose store call failed had reached the store: its events are in the
                    // profile, so it is finished as if the call had succeeded (change, session)
                    counters.writesRecovered.increment();
                    written(earlier, now, landed);
                    if (earlier.work == work) {
                        continue; // this very call's work, done
                    }
                    // another call's (a batch handed in again, a flush): this one's runs on top
                    if (earlier.session != null && earlier.session.live() != earlier.session.replaced()) {
                        session = earlier.session.live();
                    }
                }
            }
            WorkingProfile w = new WorkingProfile(base != null ? base : ProfileState.empty(user),
                    engine.seenEventsCapacity());
            SessionTracker.Outcome so = work.run(w, session);
            if (w.changed()) {
                ProfileWrite write = w.toWrite(engine.writeTtl(w.lastEventTime(), now), engine.reducer().ttls(), now);
                writes.add(write);
                attempts.add(new Attempt(w, write, so, work));
            } else if (so != null) {
                writeSession(so);
            }
        }
        if (writes.isEmpty()) {
            return List.of();
        }
        List<WriteOutcome> outcomes;
        try {
            outcomes = engine.storeCall(() -> engine.store().writeAll(writes));
        } catch (ProfileStoreException e) {
            // some of the writes may have reached the store; the next load of each user tells
            rememberUncertain(attempts);
            throw e;
        }
        if (outcomes.size() != writes.size()) {
            rememberUncertain(attempts);
            throw new ProfileStoreException("store returned " + outcomes.size() + " outcomes for "
                    + writes.size() + " writes");
        }
        List<String> retry = new ArrayList<>();
        for (int j = 0; j < outcomes.size(); j++) {
            Attempt a = attempts.get(j);
            if (outcomes.get(j).written()) {
                written(a, now, landed);
            } else {
                counters.writeConflicts.increment();
                retry.add(a.working.base().userId());
            }
        }
        return retry;
    }

    /** Finishes a write the store took: counts it, refreshes the fallback copy, writes the session. */
    private void written(Attempt a, long now, List<Landed> landed) {
        EngineCounters counters = engine.counters();
        counters.writes.increment();
        engine.remember(a.write.state());
        if (a.session != null) {
            counters.sessionsCommitted.add(a.session.committed());
            writeSession(a.session);
        }
        landed.add(new Landed(a.working, a.write.state(), now));
    }

    /**
     * Keeps the writes of a failed store call until the users are loaded again (by a retry of the
     * round, or by a later batch that retries the events). Bounded: past {@link #MAX_UNCERTAIN}
     * users, some are forgotten; a forgotten write that had landed only misses its change
     * notification and session update (its events are then seen as duplicates, never applied twice).
     */
    private void rememberUncertain(List<Attempt> attempts) {
        for (Attempt a : attempts) {
            uncertain.put(a.working.base().userId(), a);
        }
        int excess = uncertain.size() - MAX_UNCERTAIN;
        for (Iterator<String> it = uncertain.keySet().iterator(); excess > 0 && it.hasNext(); excess--) {
            it.next();
            it.remove();
        }
    }

    private void writeSession(SessionTracker.Outcome so) {
        boolean ok;
        if (so.live() == so.replaced()) {
            return;
        }
        try {
            if (so.live() != null) {
                ok = engine.storeCall(() -> engine.sessionStore().write(so.live()));
            } else {
                SessionState r = so.replaced();
                ok = engine.storeCall(() -> engine.sessionStore().remove(r.userId(), r.sessionId(), r.version()));
            }
        } catch (ProfileStoreException e) {
            // the profile is written already: retrying the round would see its events as duplicates,
            // so the failure is reported here and the session store catches up with the next events
            log.error("session store failed for user {} after the profile was written; the live session"
                    + " misses this batch's events", (so.live() != null ? so.live() : so.replaced()).userId(), e);
            return;
        }
        if (!ok) {
            engine.counters().writeConflicts.increment();
            log.warn("live session of user {} changed under this engine; another instance tracks it",
                    (so.live() != null ? so.live() : so.replaced()).userId());
        }
    }

    private static RecordResult applyOne(WorkingProfile w, Event e, Delta delta, long hash, boolean lateDropped,
                                         String source, long offset, EngineCounters counters, long now) {
        long time = e.timestamp().toEpochMilli();
        if (source != null && w.fenced(source, offset)) {
            return RecordResult.of(e, RecordResult.Outcome.DUPLICATE);
        }
        RecordResult.Outcome outcome;
        if (w.erasedAfter(time)) {
            outcome = RecordResult.Outcome.ERASED;
        } else if (lateDropped) {
            outcome = RecordResult.Outcome.LATE;
        } else {
            boolean verifiable = w.verifiable(time, hash);
            if (!w.remember(time, hash)) {
                outcome = RecordResult.Outcome.DUPLICATE;
            } else {
                if (!verifiable) {
                    counters.unverifiable.increment();
                }
                w.apply(delta, time, e.eventId());
                countTooLate(w, delta, counters);
                counters.eventLag.record(Math.max(0, now - time) * 1_000_000L);
                outcome = RecordResult.Outcome.APPLIED;
            }
        }
        if (source != null) {
            w.advanceFence(source, offset);
        }
        return RecordResult.of(e, outcome);
    }

    private static void countTooLate(WorkingProfile w, Delta delta, EngineCounters counters) {
        for (int i = 0, n = delta.size(); i < n; i++) {
            if (delta.operation(i) instanceof WindowedCount wc && w.attribute(delta.name(i)) instanceof WindowedCount now
                    && now.buckets().length > 0 && !now.keeps(wc.buckets()[0], now.buckets()[now.buckets().length - 1])) {
                counters.tooLateForWindow.increment();
            }
        }
    }

    private void sideOutput(List<Event> events, String[] sources, RecordResult[] results, long[] watermarks) {
        LateEventHandler handler = engine.lateEventHandler();
        ProfileReducer reducer = engine.reducer();
        for (int i = 0; i < results.length; i++) {
            if (watermarks[i] == Long.MIN_VALUE || results[i].outcome() == RecordResult.Outcome.DUPLICATE
                    || results[i].outcome() == RecordResult.Outcome.REJECTED) {
                continue;
            }
            boolean wanted = reducer.latePolicy() == LatePolicy.SIDE_OUTPUT
                    || (reducer.hasAttributeLatePolicies() && engine.reducer().reduce(events.get(i)).operations()
                    .keySet().stream().anyMatch(a -> reducer.latePolicy(a) == LatePolicy.SIDE_OUTPUT));
            if (!wanted) {
                continue;
            }
            engine.counters().lateSideOutput.increment();
            if (handler == null) {
                continue;
            }
            try {
                handler.onLateEvent(events.get(i), Optional.ofNullable(sources != null ? sources[i] : null),
                        Instant.ofEpochMilli(watermarks[i]));
            } catch (RuntimeException ex) {
                engine.counters().lateHandlerFailures.increment();
                log.error("late event handler failed for event {}", events.get(i).eventId(), ex);
            }
        }
    }

    /** Adds the change of one attribute when its value as read differs; returns whether it did. */
    private static boolean addChange(List<ProfileChange.AttributeChange> changes, String name, Operation b, Operation a,
                                     Duration ttl, long now) {
        Object vb = b == null || (ttl != null && Profile.expired(b.updatedAt(), ttl, now)) ? null : b.read(now);
        Object va = a == null ? null : a.read(now);
        if (Objects.equals(vb, va)) {
            return false;
        }
        changes.add(new ProfileChange.AttributeChange(name, Optional.ofNullable(vb), Optional.ofNullable(va)));
        return true;
    }

    /** Tells the listeners of every change written; called with no lock held. */
    private void notifyListeners(List<Landed> landed, ProfileChangeListener batchListener) {
        List<ProfileChangeListener> listeners = engine.listeners();
        if (batchListener != null) {
            List<ProfileChangeListener> all = new ArrayList<>(listeners.size() + 1);
            all.addAll(listeners);
            all.add(batchListener);
            listeners = all;
        }
        if (listeners.isEmpty()) {
            return;
        }
        for (Landed l : landed) {
            notifyListeners(l.working, l.after, l.now, listeners);
        }
    }

    private void notifyListeners(WorkingProfile w, ProfileState after, long now, List<ProfileChangeListener> listeners) {
        if (w.causes().isEmpty()) {
            return;
        }
        // a ProfileState's attributes are SortedAttributes: one walk over both in name order, reading
        // only attributes whose operation object changed, gives the changes sorted by name
        SortedAttributes before = SortedAttributes.copyOf(w.base().attributes());
        SortedAttributes afterAttributes = SortedAttributes.copyOf(after.attributes());
        Map<String, Duration> ttls = engine.reducer().ttls();
        List<ProfileChange.AttributeChange> changes = new ArrayList<>();
        int i = 0;
        int j = 0;
        int nb = before.size();
        int na = afterAttributes.size();
        while (i < nb || j < na) {
            int c = i == nb ? 1 : j == na ? -1 : before.name(i).compareTo(afterAttributes.name(j));
            if (c == 0) {
                Operation b = before.operation(i);
                Operation a = afterAttributes.operation(j);
                if (a != b) {
                    addChange(changes, afterAttributes.name(j), b, a, ttls.get(afterAttributes.name(j)), now);
                }
                i++;
                j++;
            } else if (c < 0) {
                addChange(changes, before.name(i), before.operation(i), null, ttls.get(before.name(i)), now);
                i++;
            } else {
                addChange(changes, afterAttributes.name(j), null, afterAttributes.operation(j),
                        ttls.get(afterAttributes.name(j)), now);
                j++;
            }
        }
        if (changes.isEmpty()) {
            return;
        }
        ProfileChange change = new ProfileChange(after.userId(), after.version(), changes, w.causes());
        for (ProfileChangeListener l : listeners) {
            try {
                l.onChange(change);
            } catch (RuntimeException ex) {
                engine.counters().listenerFailures.increment();
                log.error("profile change listener {} failed for user {}", l, after.userId(), ex);
            }
        }
    }
}
