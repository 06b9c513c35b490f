package io.profilekit;

/**
 * A snapshot of a {@link ProfileEngine}'s counters since it was built.
 *
 * @param applied           events applied
 * @param duplicates        events dropped as already applied (by event id or source offset)
 * @param rejected          events rejected as invalid
 * @param erased            events dropped because their user was erased after their time
 * @param late              late events not applied at all (policy DROP or SIDE_OUTPUT)
 * @param unverifiable      events applied although older than everything in the profile's
 *                          recent-id window, so a resend of them could not have been detected (and
 *                          coalesced deltas given back by a failed flush whose mark left the window)
 * @param lateApplied       late events applied under {@link LatePolicy#APPLY} (all or some attributes)
 * @param lateDropped       late events whose attributes were dropped, all or some ({@link LatePolicy#DROP})
 * @param lateSideOutput    late events handed to the {@link LateEventHandler}
 * @param tooLateForWindow  events not counted by a windowed count because their bucket had left the window
 * @param sessionsCommitted sessions committed to profiles
 * @param writes            profile writes stored
 * @param writeConflicts    writes refused because another writer came first (then retried)
 * @param storeFailures     store calls that failed
 * @param writesRecovered   writes of a failed store call found in the store when their users were
 *                          loaded again, and then finished as written (counted in {@code writes} too)
 * @param callbackFailures  listener and late-event handler calls that threw
 * @param applyLatencyNanos how long each {@code record}, {@code recordAll} or {@code applyBatch}
 *                          call took to validate, apply and write: the record-to-applied latency
 * @param eventLagNanos     per applied event, how far its event time lay behind the clock at apply
 */
public record EngineMetrics(long applied, long duplicates, long rejected, long erased, long late, long unverifiable,
                            long lateApplied, long lateDropped, long lateSideOutput, long tooLateForWindow,
                            long sessionsCommitted, long writes, long writeConflicts, long storeFailures,
                            long writesRecovered, long callbackFailures, LatencySnapshot applyLatencyNanos, LatencySnapshot eventLagNanos) {

    /** Events by outcome, all together. */
    public long events() {
        return applied + duplicates + rejected + erased + late;
    }
}
