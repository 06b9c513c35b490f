package io.profilekit;

import io.profilekit.spi.SessionState;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A user's live session as read now: when it started, its newest event, how many events and page
 * views it holds, and the reducer's session aggregates. Immutable.
 *
 * @param userId     the user
 * @param sessionId  the session's id
 * @param start      event time of its first event
 * @param lastEvent  event time of its newest event
 * @param events     how many events it holds
 * @param pageViews  how many of them are page views
 * @param aggregates the session aggregates' values, by name
 */
public record Session(String userId, String sessionId, Instant start, Instant lastEvent, long events, long pageViews,
                      Map<String, Object> aggregates) {

    static Session of(SessionState s, long nowMillis) {
        Map<String, Object> values = new TreeMap<>();
        s.aggregates().forEach((name, op) -> {
            Object v = op.read(nowMillis);
            if (v != null) {
                values.put(name, v);
            }
        });
        return new Session(s.userId(), s.sessionId(), Instant.ofEpochMilli(s.start()),
                Instant.ofEpochMilli(s.lastEvent()), s.events(), s.pageViews(), Collections.unmodifiableMap(values));
    }

    /** From the first to the newest event. */
    public Duration duration() {
        return Duration.between(start, lastEvent);
    }
}
