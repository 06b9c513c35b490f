package io.profilekit;

/**
 * What the engine does with a late event: one whose event time is older than its source's
 * watermark (the newest event time seen from that source, minus the allowed lateness). Set for a
 * whole reducer with {@link ProfileReducer.Builder#latePolicy(LatePolicy)} and per attribute with
 * {@link ProfileReducer.Builder#latePolicy(String, LatePolicy)}.
 */
public enum LatePolicy {
    /**
     * Apply it like any event (the default). Operations converge, so a late {@code set} loses to a
     * newer one and a late {@code increment} still counts.
     */
    APPLY,
    /** Do not apply it (the attributes with this policy, or the whole event). Counted in the metrics. */
    DROP,
    /**
     * Do not apply it, and hand the event to the engine's {@link LateEventHandler} (the Kafka module
     * sends it to a topic).
     */
    SIDE_OUTPUT
}
