package io.profilekit.spi;

import io.profilekit.internal.SortedAttributes;
import io.profilekit.op.Operation;

import java.util.Map;
import java.util.Objects;

/**
 * A user's live session as a {@link SessionStore} keeps it. Immutable.
 *
 * @param userId     the user
 * @param sessionId  the session's id: the events' own {@code sessionId}, or one derived from the
 *                   user and the start time when events carry none
 * @param explicitId whether the id came from the events (then only events with that id belong)
 * @param start      event time of the first event, epoch milliseconds
 * @param lastEvent  event time of the newest event, epoch milliseconds
 * @param events     how many events the session holds
 * @param pageViews  how many of them are {@code page_view}s
 * @param aggregates the reducer's session aggregates
 * @param version    incremented by each write; 0 for a session not stored yet
 */
public record SessionState(String userId, String sessionId, boolean explicitId, long start, long lastEvent, long events,
                           long pageViews, Map<String, Operation> aggregates, long version) {
    public SessionState {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(sessionId, "sessionId");
        aggregates = SortedAttributes.copyOf(aggregates);
        if (lastEvent < start) {
            throw new IllegalArgumentException("session lastEvent " + lastEvent + " before start " + start);
        }
    }

    /** The session's length so far, in milliseconds of event time. */
    public long durationMillis() {
        return lastEvent - start;
    }
}
