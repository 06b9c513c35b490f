package io.profilekit;

import java.util.List;
import java.util.Objects;

/**
 * What the engine did with one recorded event.
 *
 * @param eventId    the event's id
 * @param userId     the event's user
 * @param outcome    applied, or why not
 * @param violations why it was rejected; empty unless the outcome is {@link Outcome#REJECTED}
 */
public record RecordResult(String eventId, String userId, Outcome outcome, List<Violation> violations) {
    public RecordResult {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(outcome, "outcome");
        violations = List.copyOf(violations);
    }

    /** What happened to an event. */
    public enum Outcome {
        /** Applied to the profile. */
        APPLIED,
        /** Already applied earlier (same event id, or an offset at or below the source's fence): nothing changed. */
        DUPLICATE,
        /** Invalid: see {@link #violations()}. Nothing changed. */
        REJECTED,
        /** The user was erased after this event's time: dropped, so that erased users stay erased. */
        ERASED,
        /**
         * Older than its source's watermark, and not applied: the reducer's {@link LatePolicy} said
         * {@code DROP} or {@code SIDE_OUTPUT} (then the engine's {@link LateEventHandler} has it).
         */
        LATE
    }

    static RecordResult of(Event e, Outcome outcome) {
        return new RecordResult(e.eventId(), e.userId(), outcome, List.of());
    }

    static RecordResult rejected(Event e, List<Violation> violations) {
        return new RecordResult(e.eventId(), e.userId(), Outcome.REJECTED, violations);
    }

    public boolean applied() {
        return outcome == Outcome.APPLIED;
    }
}
