package io.profilekit;

import io.profilekit.internal.Hashing;
import io.profilekit.internal.WorkingProfile;
import io.profilekit.op.WindowedCount;
import io.profilekit.spi.SessionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A batch of events through the engine: validate and reduce every event, judge it against the
 * watermark, group by user, and apply each user's events in order inside the {@link WriteLoop}
 * (which loads, writes and retries); late events go to the side output afterwards.
 */
final class BatchApplier {
    private static final Logger log = LoggerFactory.getLogger(BatchApplier.class);
    static final String DIRECT_SOURCE = "direct";
    /** What the late policy did to a late event's delta: some attributes dropped, some kept. */
    private static final byte LATE_SOME_DROPPED = 1;
    private static final byte LATE_SOME_KEPT = 2;

    private final ProfileEngine engine;
    private final WriteLoop loop;
    private final Watermarks watermarks;

    BatchApplier(ProfileEngine engine, WriteLoop loop) {
        this.engine = engine;
        this.loop = loop;
        this.watermarks = new Watermarks(engine.allowedLateness().toMillis());
    }

    Watermarks watermarks() {
        return watermarks;
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
        byte[] latePart = null;
        ProfileReducer reducer = engine.reducer();
        EngineCounters counters = engine.counters();
        SessionTracker sessions = engine.sessionTracker();
        // reduced here with the rest, so that a rule that refuses an event rejects that event alone
        Delta[] sessionDeltas = sessions != null ? new Delta[n] : null;
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
                hashes[i] = Hashing.hash64(e.eventId());
                d = reducer.reduce(e, hashes[i]);
                if (sessionDeltas != null) {
                    sessionDeltas[i] = reducer.reduceSession(e);
                }
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
                    latePart = new byte[n];
                }
                lateWatermark[i] = watermark;
                Delta kept = reducer.hasAttributeLatePolicies()
                        ? d.retain(name -> reducer.latePolicy(name) == LatePolicy.APPLY)
                        : reducer.latePolicy() == LatePolicy.APPLY ? d : Delta.empty();
                // counted with the outcome, once the batch is written: a redelivered event is a duplicate
                latePart[i] = (byte) ((kept.size() < d.size() ? LATE_SOME_DROPPED : 0)
                        | (kept.size() > 0 ? LATE_SOME_KEPT : 0));
                lateDropped[i] = kept.isEmpty() && !(d.isEmpty() && reducer.latePolicy() == LatePolicy.APPLY);
                d = kept;
            }
            if (later != null) {
                later[i] = d.retain(name -> !reducer.criticalAttributes().contains(name));
                d = d.retain(reducer.criticalAttributes()::contains);
            }
            deltas[i] = d;
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
        // per applied event, what the metrics count once the batch is written: a user's work runs
        // again when its write loses to another writer, and each run overwrites these
        boolean[] unverifiable = new boolean[n];
        int[] tooLate = new int[n];
        loop.run(byUser.keySet(), sessions != null, batchListener, new WriteLoop.UserWork() {
            @Override
            public SessionTracker.Outcome run(WorkingProfile w, SessionState session) {
                int[] idx = byUser.get(w.base().userId());
                for (int k = 1; k <= idx[0]; k++) {
                    int i = idx[k];
                    results[i] = applyOne(w, events.get(i), deltas[i], hashes[i], lateDropped[i],
                            sources != null ? sources[i] : null, offsets != null ? offsets[i] : -1, i, unverifiable,
                            tooLate);
                }
                if (sessions == null) {
                    return null;
                }
                return sessions.advance(w, session, events, sessionDeltas, SessionTracker.applied(idx, results));
            }

            @Override
            public void unreadable(String userId, String problem, UnreadableProfilesException e) {
                // the rest of the batch goes on; these events wait in the caller's hands (through
                // Kafka, in the dead-letter topic) until the profile is repaired or erased
                int[] idx = byUser.get(userId);
                for (int k = 1; k <= idx[0]; k++) {
                    int i = idx[k];
                    results[i] = RecordResult.rejected(events.get(i), List.of(new Violation("profile",
                            "the stored profile of user " + userId + " cannot be read: " + problem)));
                }
            }
        }, later == null ? null : w -> {
            // as soon as the user's write landed, under its lock: its deferred part is owed from then
            // on, even if the batch fails later for another user, and an erase cannot come in between
            int[] idx = byUser.get(w.base().userId());
            for (int k = 1; k <= idx[0]; k++) {
                int i = idx[k];
                if (results[i].outcome() == RecordResult.Outcome.APPLIED && !later[i].isEmpty()) {
                    deferred.add(events.get(i).userId(), later[i], events.get(i).timestamp().toEpochMilli(),
                            w.base().erasedAt());
                }
            }
        });
        advanceWatermarks(newestInBatch);
        for (int i = 0; i < n; i++) {
            RecordResult.Outcome outcome = results[i].outcome();
            if (latePart != null && latePart[i] != 0) {
                if ((latePart[i] & LATE_SOME_DROPPED) != 0
                        && (outcome == RecordResult.Outcome.APPLIED || outcome == RecordResult.Outcome.LATE)) {
                    counters.lateDropped.increment();
                }
                if ((latePart[i] & LATE_SOME_KEPT) != 0 && outcome == RecordResult.Outcome.APPLIED) {
                    counters.lateApplied.increment();
                }
            }
            if (outcome == RecordResult.Outcome.APPLIED) {
                if (unverifiable[i]) {
                    counters.unverifiable.increment();
                }
                if (tooLate[i] > 0) {
                    counters.tooLateForWindow.add(tooLate[i]);
                }
                counters.eventLag.record(Math.max(0, now - events.get(i).timestamp().toEpochMilli()) * 1_000_000L);
            }
        }
        if (lateWatermark != null) {
            sideOutput(events, sources, results, lateWatermark);
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
     * Applies event {@code i} to {@code w}; when it is applied, notes in {@code unverifiable[i]} and
     * {@code tooLate[i]} what the metrics count once the batch is written.
     */
    private static RecordResult applyOne(WorkingProfile w, Event e, Delta delta, long hash, boolean lateDropped,
                                         String source, long offset, int i, boolean[] unverifiable, int[] tooLate) {
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
                unverifiable[i] = !verifiable;
                w.apply(delta, time, e.eventId());
                tooLate[i] = countTooLate(w, delta);
                outcome = RecordResult.Outcome.APPLIED;
            }
        }
        if (source != null) {
            w.advanceFence(source, offset);
        }
        return RecordResult.of(e, outcome);
    }

    /** How many windowed counts of {@code delta} did not count the event: its bucket had left the window. */
    private static int countTooLate(WorkingProfile w, Delta delta) {
        int tooLate = 0;
        for (int i = 0, n = delta.size(); i < n; i++) {
            if (delta.operation(i) instanceof WindowedCount wc && wc.buckets().length > 0
                    && !w.windowKeeps(delta.name(i), wc.buckets()[0])) {
                tooLate++;
            }
        }
        return tooLate;
    }

    private void sideOutput(List<Event> events, String[] sources, RecordResult[] results, long[] watermarks) {
        LateEventHandler handler = engine.lateEventHandler();
        ProfileReducer reducer = engine.reducer();
        for (int i = 0; i < results.length; i++) {
            if (watermarks[i] == Long.MIN_VALUE || results[i].outcome() == RecordResult.Outcome.DUPLICATE
                    || results[i].outcome() == RecordResult.Outcome.REJECTED
                    || results[i].outcome() == RecordResult.Outcome.ERASED) {
                continue; // an erased user's event is not handed on either: nothing of it is kept
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
}
