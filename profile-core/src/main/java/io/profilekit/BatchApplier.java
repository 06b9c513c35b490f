package io.profilekit;

import io.profilekit.internal.Hashing;
import io.profilekit.internal.StripedLocks;
import io.profilekit.internal.WorkingProfile;
import io.profilekit.op.Operation;
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileWrite;
import io.profilekit.spi.WriteOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * The engine's one read-modify-write loop: validate and reduce every event, group by user, load all
 * users in one call, apply each user's events in order, write every changed user in one call with
 * compare-and-set, and retry only the users another writer got to first.
 */
final class BatchApplier {
    private static final Logger log = LoggerFactory.getLogger(BatchApplier.class);
    private final ProfileEngine engine;
    private final StripedLocks locks = new StripedLocks(1024);

    BatchApplier(ProfileEngine engine) {
        this.engine = engine;
    }

    /**
     * Applies a batch; {@code sources} and {@code offsets} are null in direct mode; {@code batchListener},
     * when not null, hears this batch's changes after the engine's listeners.
     *
     * @throws ProfileStoreException when the store fails, or conflicts outlast the attempts
     */
    RecordResult[] apply(List<Event> events, String[] sources, long[] offsets, ProfileChangeListener batchListener) {
        int n = events.size();
        RecordResult[] results = new RecordResult[n];
        Delta[] deltas = new Delta[n];
        long[] hashes = new long[n];
        Map<String, int[]> byUser = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            Event e = Objects.requireNonNull(events.get(i), "event");
            List<Violation> violations = engine.validator().validate(e);
            if (!violations.isEmpty()) {
                results[i] = RecordResult.rejected(e, violations);
                continue;
            }
            try {
                deltas[i] = engine.reducer().reduce(e);
            } catch (RuntimeException ex) {
                if (!(ex instanceof IllegalArgumentException)) {
                    log.warn("reducer failed on event {} of type {}", e.eventId(), e.type(), ex);
                }
                String msg = ex.getMessage() != null ? ex.getMessage() : ex.getClass().getName();
                results[i] = RecordResult.rejected(e, List.of(new Violation("reducer", msg)));
                continue;
            }
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
        if (!byUser.isEmpty()) {
            int[] held = locks.lock(byUser.keySet());
            try {
                writeLoop(events, sources, offsets, results, deltas, hashes, byUser, batchListener);
            } finally {
                locks.unlock(held);
            }
        }
        return results;
    }

    private void writeLoop(List<Event> events, String[] sources, long[] offsets, RecordResult[] results,
                           Delta[] deltas, long[] hashes, Map<String, int[]> byUser,
                           ProfileChangeListener batchListener) {
        EngineCounters counters = engine.counters();
        List<String> pending = new ArrayList<>(byUser.keySet());
        for (int attempt = 1; ; attempt++) {
            Map<String, ProfileState> loaded = engine.storeCall(() -> engine.store().loadAll(pending));
            List<ProfileWrite> writes = new ArrayList<>(pending.size());
            List<WorkingProfile> working = new ArrayList<>(pending.size());
            for (String user : pending) {
                ProfileState base = loaded.get(user);
                WorkingProfile w = new WorkingProfile(base != null ? base : ProfileState.empty(user),
                        engine.seenEventsCapacity());
                int[] idx = byUser.get(user);
                for (int k = 1; k <= idx[0]; k++) {
                    int i = idx[k];
                    results[i] = applyOne(w, events.get(i), deltas[i], hashes[i],
                            sources != null ? sources[i] : null, offsets != null ? offsets[i] : -1, counters);
                }
                if (w.changed()) {
                    writes.add(w.toWrite(engine.profileTtl()));
                    working.add(w);
                }
            }
            if (writes.isEmpty()) {
                return;
            }
            List<WriteOutcome> outcomes = engine.storeCall(() -> engine.store().writeAll(writes));
            if (outcomes.size() != writes.size()) {
                throw new ProfileStoreException("store returned " + outcomes.size() + " outcomes for "
                        + writes.size() + " writes");
            }
            pending.clear();
            for (int j = 0; j < outcomes.size(); j++) {
                WorkingProfile w = working.get(j);
                if (outcomes.get(j).written()) {
                    counters.writes.increment();
                    notifyListeners(w, writes.get(j).state(), batchListener);
                } else {
                    counters.writeConflicts.increment();
                    pending.add(w.base().userId());
                }
            }
            if (pending.isEmpty()) {
                return;
            }
            if (attempt >= engine.maxWriteAttempts()) {
                throw new ProfileStoreException("writes for " + pending.size() + " user(s) (first: " + pending.get(0)
                        + ") kept conflicting with other writers after " + attempt + " attempts");
            }
            if (attempt > 2) {
                LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(50_000L * attempt));
            }
        }
    }

    private static RecordResult applyOne(WorkingProfile w, Event e, Delta delta, long hash, String source,
                                         long offset, EngineCounters counters) {
        long time = e.timestamp().toEpochMilli();
        if (source != null && w.fenced(source, offset)) {
            return RecordResult.of(e, RecordResult.Outcome.DUPLICATE);
        }
        RecordResult.Outcome outcome;
        if (w.erasedAfter(time)) {
            outcome = RecordResult.Outcome.ERASED;
        } else {
            boolean verifiable = w.verifiable(time, hash);
            if (!w.remember(time, hash)) {
                outcome = RecordResult.Outcome.DUPLICATE;
            } else {
                if (!verifiable) {
                    counters.unverifiable.increment();
                }
                w.apply(delta, time, e.eventId());
                outcome = RecordResult.Outcome.APPLIED;
            }
        }
        if (source != null) {
            w.advanceFence(source, offset);
        }
        return RecordResult.of(e, outcome);
    }

    private void notifyListeners(WorkingProfile w, ProfileState after, ProfileChangeListener batchListener) {
        List<ProfileChangeListener> listeners = engine.listeners();
        if (batchListener != null) {
            List<ProfileChangeListener> all = new ArrayList<>(listeners.size() + 1);
            all.addAll(listeners);
            all.add(batchListener);
            listeners = all;
        }
        if (listeners.isEmpty() || w.causes().isEmpty()) {
            return;
        }
        long now = engine.clock().millis();
        Map<String, Operation> before = w.base().attributes();
        List<ProfileChange.AttributeChange> changes = new ArrayList<>();
        Map<String, Operation> all = new HashMap<>(before);
        all.putAll(after.attributes());
        for (String name : all.keySet().stream().sorted().toList()) {
            Operation b = before.get(name);
            Operation a = after.attributes().get(name);
            if (a == b) {
                continue;
            }
            Object vb = b == null ? null : b.read(now);
            Object va = a == null ? null : a.read(now);
            if (!Objects.equals(vb, va)) {
                changes.add(new ProfileChange.AttributeChange(name, Optional.ofNullable(vb), Optional.ofNullable(va)));
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
