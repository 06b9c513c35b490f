package io.profilekit;

/**
 * A snapshot of a {@link ProfileEngine}'s counters since it was built.
 *
 * @param applied           events applied
 * @param duplicates        events dropped as already applied (by event id or source offset)
 * @param rejected          events rejected as invalid
 * @param erased            events dropped because their user was erased after their time
 * @param unverifiable      events applied although older than everything in the profile's
 *                          recent-id window, so a resend of them could not have been detected
 * @param writes            profile writes stored
 * @param writeConflicts    writes refused because another writer came first (then retried)
 * @param storeFailures     store calls that failed
 * @param listenerFailures  listener calls that threw
 * @param applyLatencyNanos how long each {@code record}, {@code recordAll} or {@code applyBatch}
 *                          call took to validate, apply and write, in nanoseconds
 */
public record EngineMetrics(long applied, long duplicates, long rejected, long erased, long unverifiable,
                            long writes, long writeConflicts, long storeFailures, long listenerFailures,
                            LatencySnapshot applyLatencyNanos) {

    /** Events by outcome, all together. */
    public long events() {
        return applied + duplicates + rejected + erased;
    }
}
