package io.profilekit;

import io.profilekit.internal.Hashing;
import io.profilekit.internal.SortedAttributes;
import io.profilekit.internal.WorkingProfile;
import io.profilekit.op.Counter;
import io.profilekit.op.LastWrite;
import io.profilekit.op.Operation;
import io.profilekit.spi.SessionState;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Sessions: which live session each applied event joins, and the one delta a session commits to
 * the profile when it ends. A session is the run of a user's events less than {@code gap} apart
 * by event time, or the events sharing a {@code sessionId} when events carry one.
 *
 * <p>A commit is applied with the rest of the profile's write, and remembered in the profile
 * (as a synthetic event id, and through {@code last_session_end}), so a session is committed
 * once even when its events arrive late or twice, or two instances end it.
 *
 * <p>Sessions follow arrival order, unlike the profile's operations: an event that arrives after
 * the live session started and is older than it by more than the gap joins no session (it may
 * belong to one committed already, and past sessions are not rebuilt), while the profile counts it
 * as usual. So with a gap of 30 minutes, 10:00 then 9:00 gives one session where 9:00 then 10:00
 * gives two.
 */
final class SessionTracker {
    /** Attribute names a session commit writes. */
    static final String SESSIONS = "sessions";
    static final String LAST_DURATION = "last_session_duration";
    static final String TOTAL_TIME = "total_session_time";
    static final String PAGE_VIEWS = "session_page_views";
    static final String AVG_PAGES = "avg_session_pages";
    static final String LAST_END = "last_session_end";
    static final String AGGREGATE_PREFIX = "last_session.";

    private final long gapMillis;

    SessionTracker(long gapMillis) {
        this.gapMillis = gapMillis;
    }

    long gapMillis() {
        return gapMillis;
    }

    /** What a user's batch did to its live session: the state to store, and how many were committed. */
    record Outcome(SessionState live, SessionState replaced, int committed) {
    }

    /**
     * Moves a user's live session along the events just applied to {@code w} (indexes
     * {@code applied} into {@code events}, with each event's session delta in {@code sessionDeltas}),
     * committing into {@code w} every session they end.
     */
    Outcome advance(WorkingProfile w, SessionState stored, List<Event> events, Delta[] sessionDeltas, int[] applied) {
        SessionState live = stored;
        int committed = 0;
        if (live != null && w.erasedAfter(live.start())) {
            live = null; // begun before an erase (by another instance): its events are erased with it
        }
        for (int i : applied) {
            Event e = events.get(i);
            Delta d = sessionDeltas[i];
            long t = e.timestamp().toEpochMilli();
            String sid = e.sessionId().orElse(null);
            if (live != null) {
                boolean withinGap = t < live.lastEvent() + gapMillis && t > live.start() - gapMillis;
                boolean belongs = sid != null ? sid.equals(live.sessionId()) : withinGap;
                if (belongs) {
                    live = extend(live, e, t, d);
                    continue;
                }
                boolean after = t >= live.start();
                if (!after) {
                    continue; // from an earlier session, already committed
                }
                if (commit(w, live)) {
                    committed++;
                }
                live = null;
            }
            if (committedAtOrAfter(w, t)) {
                continue; // its session was committed already
            }
            live = start(w.base().userId(), e, t, d);
        }
        if (live != null && live != stored) {
            // one store write per batch: the version moves by one whatever happened in between
            long version = (stored == null ? 0 : stored.version()) + 1;
            live = new SessionState(live.userId(), live.sessionId(), live.explicitId(), live.start(), live.lastEvent(),
                    live.events(), live.pageViews(), live.aggregates(), version);
        }
        return new Outcome(live, stored, committed);
    }

    private static SessionState start(String userId, Event e, long t, Delta d) {
        String sid = e.sessionId().orElse(userId + "@" + Instant.ofEpochMilli(t));
        return extend(new SessionState(userId, sid, e.sessionId().isPresent(), t, t, 0, 0, Map.of(), 0), e, t, d);
    }

    private static SessionState extend(SessionState s, Event e, long t, Delta d) {
        Map<String, Operation> aggregates = s.aggregates();
        if (!d.isEmpty()) {
            SortedAttributes.Builder b = SortedAttributes.copyOf(aggregates).toBuilder();
            for (int i = 0; i < d.size(); i++) {
                b.merge(d.name(i), d.operation(i));
            }
            aggregates = b.build();
        }
        return new SessionState(s.userId(), s.sessionId(), s.explicitId(), Math.min(s.start(), t),
                Math.max(s.lastEvent(), t), s.events() + 1, s.pageViews() + ("page_view".equals(e.type()) ? 1 : 0),
                aggregates, s.version());
    }

    private static boolean committedAtOrAfter(WorkingProfile w, long t) {
        Operation end = w.attribute(LAST_END);
        return end instanceof LastWrite lw && lw.value() instanceof Instant i && t <= i.toEpochMilli();
    }

    /**
     * Commits a session into the working profile; false when the profile shows it committed already,
     * or erased after the session began (a session another instance kept live across the erase: its
     * events before the erase are erased, so it is dropped).
     */
    boolean commit(WorkingProfile w, SessionState s) {
        long time = s.lastEvent();
        if (w.erasedAfter(s.start())) {
            return false;
        }
        long hash = Hashing.hash64("session:" + s.userId() + ":" + s.sessionId() + ":" + s.start());
        if (committedAtOrAfter(w, s.start()) || !w.remember(s.start(), hash)) {
            return false;
        }
        long duration = s.durationMillis();
        long sessions = counterValue(w.attribute(SESSIONS)) + 1;
        long pages = counterValue(w.attribute(PAGE_VIEWS)) + s.pageViews();
        DeltaBuilder p = new DeltaBuilder(time, hash);
        p.increment(SESSIONS)
                .set(LAST_DURATION, duration)
                .increment(TOTAL_TIME, duration)
                .increment(PAGE_VIEWS, s.pageViews())
                .set(AVG_PAGES, (double) pages / sessions)
                .set(LAST_END, Instant.ofEpochMilli(s.lastEvent()));
        // values ProfileKit computed from accepted events (a sum may be longer than any one amount),
        // so not checked again as a caller's input would be
        s.aggregates().forEach((name, op) -> {
            Object value = op.read(time);
            if (value != null) {
                p.operation(AGGREGATE_PREFIX + name, new LastWrite(value, true, time, hash));
            }
        });
        w.apply(p.build(), time, "session:" + s.sessionId());
        return true;
    }

    private static long counterValue(Operation op) {
        return op instanceof Counter c ? c.value() : 0;
    }

    /** The indexes of one user's applied events (given as a count then indexes in {@code idx}), for {@link #advance}. */
    static int[] applied(int[] idx, RecordResult[] results) {
        int[] out = new int[idx[0]];
        int n = 0;
        for (int k = 1; k <= idx[0]; k++) {
            int i = idx[k];
            if (results[i].outcome() == RecordResult.Outcome.APPLIED) {
                out[n++] = i;
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }
}
