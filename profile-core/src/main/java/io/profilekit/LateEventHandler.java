package io.profilekit;

import java.time.Instant;
import java.util.Optional;

/**
 * Receives late events under the {@link LatePolicy#SIDE_OUTPUT} policy, after the batch that held
 * them was written. Called on the applying thread; at least once per late event (a batch retried
 * after a store failure can hand an event again). An exception thrown here is logged and counted.
 */
@FunctionalInterface
public interface LateEventHandler {
    /**
     * @param event     the late event
     * @param source    where it came from (a Kafka topic-partition), empty in direct mode
     * @param watermark the watermark it was older than
     */
    void onLateEvent(Event event, Optional<String> source, Instant watermark);
}
