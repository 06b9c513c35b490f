package io.profilekit;

import java.util.Objects;

/**
 * An event with where it came from: a source (such as a Kafka topic-partition, {@code user-events-3})
 * and its offset there. The engine keeps, per source, the last offset applied to each profile (a
 * fence), so a redelivered record changes nothing.
 *
 * @param event  the event
 * @param source the source's stable name
 * @param offset the event's position in the source, increasing
 */
public record SourcedEvent(Event event, String source, long offset) {
    public SourcedEvent {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(source, "source");
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, got " + offset);
        }
    }
}
