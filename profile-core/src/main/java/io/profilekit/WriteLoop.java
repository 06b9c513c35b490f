package io.profilekit;

import io.profilekit.internal.SortedAttributes;
import io.profilekit.internal.UserLocks;
import io.profilekit.internal.WorkingProfile;
import io.profilekit.op.Operation;
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileWrite;
import io.profilekit.spi.SessionState;
import io.profilekit.spi.SessionWrite;
import io.profilekit.spi.WriteOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The engine's one read-modify-write loop: under the users' locks, load all users in one call, run
 * each user's work, write every changed user in one call with compare-and-set, retry only the users
 * another writer got to first (and everything when the store fails), then tell the listeners.
 */
final class WriteLoop {
    private static final Logger log = LoggerFactory.getLogger(WriteLoop.class);

    /** At most this many users' writes of failed store calls are kept to be recognised later. */
    static final int MAX_UNCERTAIN = 10_000;

    private final UserLocks locks = new UserLocks();
    /**
     * Writes of store calls that failed, by user: each may or may not have reached the store. An
     * entry is added and taken only under its user's lock.
     */
    private final Map<String, Attempt> uncertain = new ConcurrentHashMap<>();

    /** One user's write in a round, with what to finish once the store has it. */
    private record Attempt(WorkingProfile working, ProfileWrite write, SessionTracker.Outcome session, UserWork work,
                           Consumer<WorkingProfile> landed) {
    }

    /** A write the store took, whose change the listeners hear once the locks are released. */
    private record Landed(WorkingProfile working, ProfileState after, long now) {
    }

    private final ProfileEngine engine;

    WriteLoop(ProfileEngine engine) {
        this.engine = engine;
    }

    UserLocks locks() {
        return locks;
    }

    /** What one user's part of a batch did; the write loop's unit of work. */
    @FunctionalInterface
    interface UserWork {
        /** Mutates {@code w} (and decides the user's live session); called again on each retry. */
        SessionTracker.Outcome run(WorkingProfile w, SessionState session);

        /**
         * The user's stored profile cannot be read ({@code problem} says why): nothing is written for
         * the user. By default the round fails; a batch rejects the user's events instead.
         */
        default void unreadable(String userId, String problem, UnreadableProfilesException e) {
            throw e;
        }
    }

    /**
     * Runs {@code work} for each user under the users' locks: loads profiles (and live sessions)
     * in one call each, writes every changed profile in one call, then the sessions; retries users
     * that lost a compare-and-set, and retries the whole round when the store fails. The engine's
     * listeners hear the changes after the locks are released, so they may erase or record for any
     * user; {@code batchListener} hears them first, while the users are still locked.
     */
    void run(Collection<String> users, boolean withSessions, ProfileChangeListener batchListener, UserWork work) {
        run(users, withSessions, batchListener, work, null);
    }

    /**
     * {@link #run(Collection, boolean, ProfileChangeListener, UserWork)}, telling {@code landed}
     * (unless null) of each user's write as soon as the store has taken it, under the user's lock:
     * also when a later round or call fails, and when a write of a failed call is found to have
     * landed by a later load.
     */
    void run(Collection<String> users, boolean withSessions, ProfileChangeListener batchListener, UserWork work,
             Consumer<WorkingProfile> onLanded) {
        // the writes whose changes listeners will hear; none kept when no one listens
        List<Landed> landed = batchListener != null || !engine.listeners().isEmpty() ? new ArrayList<>() : null;
        UserLocks.Held held = locks.lock(users);
        try {
            int failures = 0;
            List<String> pending = new ArrayList<>(users);
            for (int attempt = 1; ; ) {
                try {
                    pending = round(pending, withSessions, work, landed, onLanded);
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
            boolean any = landed != null && !landed.isEmpty();
            List<ProfileChange> changes = null;
            try {
                if (any && batchListener != null) {
                    // under the users' locks: the caller hears a change before anything that happens to
                    // those users after it, such as an erase and the tombstone it publishes
                    changes = changes(landed);
                    deliver(changes, List.of(batchListener));
                }
            } finally {
                locks.unlock(held);
            }
            if (any && !engine.listeners().isEmpty()) {
                deliver(changes != null ? changes : changes(landed), engine.listeners());
            }
        }
    }

    private static void backoff(long nanos) {
        if (nanos > 0) {
            LockSupport.parkNanos(nanos);
        }
    }

    /**
     * One load-apply-write round; returns the users to retry. Adds the users written to
     * {@code landed}, unless it is null.
     */
    private List<String> round(List<String> pending, boolean withSessions, UserWork work, List<Landed> landed,
                               Consumer<WorkingProfile> onLanded) {
        // the round's session changes go to the session store in one call at its end, also when the
        // profile write fails: those gathered by then belong to profiles already written or unchanged
        List<SessionWrite> sessions = new ArrayList<>();
        try {
            return writeProfiles(pending, withSessions, work, landed, onLanded, sessions);
        } finally {
            writeSessions(sessions);
        }
    }

    private List<String> writeProfiles(List<String> pending, boolean withSessions, UserWork work, List<Landed> landed,
                                       Consumer<WorkingProfile> onLanded, List<SessionWrite> sessions) {
        EngineCounters counters = engine.counters();
        Map<String, ProfileState> loaded;
        UnreadableProfilesException unreadable = null;
        try {
            loaded = engine.storeCall(() -> engine.store().loadAll(pending));
        } catch (UnreadableProfilesException e) {
            // the others are applied; the work decides what becomes of the unreadable users' part
            loaded = e.readable();
            unreadable = e;
        }
        Map<String, SessionState> live = withSessions
                ? engine.sessionStoreCall(() -> engine.sessionStore().loadAll(pending)) : Map.of();
        long now = engine.clock().millis();
        List<ProfileWrite> writes = new ArrayList<>(pending.size());
        List<Attempt> attempts = new ArrayList<>(pending.size());
        boolean anyUncertain = !uncertain.isEmpty();
        for (String user : pending) {
            if (unreadable != null && unreadable.problems().containsKey(user)) {
                uncertain.remove(user);
                work.unreadable(user, unreadable.problems().get(user), unreadable);
                continue;
            }
            ProfileState base = loaded.get(user);
            SessionState session = live.get(user);
            if (anyUncertain) {
                Attempt earlier = uncertain.remove(user);
                if (earlier != null && earlier.write.state().equals(base)) {
                    // a write whose store call failed had reached the store: its events are in the
                    // profile, so it is finished as if the call had succeeded (change, session)
                    counters.writesRecovered.increment();
                    written(earlier, now, landed, sessions);
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
                attempts.add(new Attempt(w, write, so, work, onLanded));
            } else if (so != null) {
                addSessionWrite(so, sessions);
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
                written(a, now, landed, sessions);
            } else {
                counters.writeConflicts.increment();
                retry.add(a.working.base().userId());
            }
        }
        return retry;
    }

    /** Finishes a write the store took: counts it, refreshes the fallback copy, adds its session's change. */
    private void written(Attempt a, long now, List<Landed> landed, List<SessionWrite> sessions) {
        EngineCounters counters = engine.counters();
        counters.writes.increment();
        engine.remember(a.write.state());
        if (a.landed != null) {
            a.landed.accept(a.working);
        }
        if (a.session != null) {
            counters.sessionsCommitted.add(a.session.committed());
            addSessionWrite(a.session, sessions);
        }
        if (landed != null) {
            landed.add(new Landed(a.working, a.write.state(), now));
        }
    }

    /** Drops the user's write of a failed store call, if one is kept (an erase: no copy stays). Under the user's lock. */
    void forgetUncertain(String userId) {
        uncertain.remove(userId);
    }

    /** Whether a write of a failed store call is kept for the user. */
    boolean holdsUncertain(String userId) {
        return uncertain.containsKey(userId);
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

    private static void addSessionWrite(SessionTracker.Outcome so, List<SessionWrite> sessions) {
        if (so.live() != so.replaced()) {
            sessions.add(so.live() != null ? SessionWrite.store(so.live()) : SessionWrite.remove(so.replaced()));
        }
    }

    /** Writes a round's session changes in one call; a failure is logged, not thrown (see below). */
    private void writeSessions(List<SessionWrite> sessions) {
        if (sessions.isEmpty()) {
            return;
        }
        boolean[] applied;
        try {
            applied = engine.sessionStoreCall(() -> engine.sessionStore().writeAll(sessions));
            if (applied.length != sessions.size()) {
                throw new ProfileStoreException("session store returned " + applied.length + " outcomes for "
                        + sessions.size() + " writes");
            }
        } catch (ProfileStoreException e) {
            // the profiles are written already: retrying the round would see their events as
            // duplicates, so the failure is reported here and the sessions catch up with the next events
            log.error("session store failed for {} user(s) (first: {}) after their profiles were written; their live"
                    + " sessions miss this batch's events", sessions.size(), sessions.get(0).userId(), e);
            return;
        }
        for (int i = 0; i < applied.length; i++) {
            if (!applied[i]) {
                engine.counters().writeConflicts.increment();
                log.warn("live session of user {} changed under this engine; another instance tracks it",
                        sessions.get(i).userId());
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
    /** The changes of the writes that landed, in order; writes that changed no attribute left out. */
    private List<ProfileChange> changes(List<Landed> landed) {
        List<ProfileChange> out = new ArrayList<>(landed.size());
        for (Landed l : landed) {
            ProfileChange c = change(l.working, l.after, l.now);
            if (c != null) {
                out.add(c);
            }
        }
        return out;
    }

    /** Tells each listener of each change; a listener that throws is logged and counted. */
    private void deliver(List<ProfileChange> changes, List<ProfileChangeListener> listeners) {
        for (ProfileChange change : changes) {
            for (ProfileChangeListener l : listeners) {
                try {
                    l.onChange(change);
                } catch (RuntimeException ex) {
                    engine.counters().listenerFailures.increment();
                    log.error("profile change listener {} failed for user {}", l, change.userId(), ex);
                }
            }
        }
    }

    /** The change one landed write made, or null when it changed no attribute as read. */
    private ProfileChange change(WorkingProfile w, ProfileState after, long now) {
        if (w.causes().isEmpty()) {
            return null;
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
        return changes.isEmpty() ? null : new ProfileChange(after.userId(), after.version(), changes, w.causes());
    }
}
