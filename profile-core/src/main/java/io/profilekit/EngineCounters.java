package io.profilekit;

import io.profilekit.internal.LatencyHistogram;

import java.util.concurrent.atomic.LongAdder;

/** The engine's live counters, behind {@link EngineMetrics}. Thread-safe. */
final class EngineCounters {
    final LongAdder applied = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder erased = new LongAdder();
    final LongAdder late = new LongAdder();
    final LongAdder lateApplied = new LongAdder();
    final LongAdder lateDropped = new LongAdder();
    final LongAdder lateSideOutput = new LongAdder();
    final LongAdder tooLateForWindow = new LongAdder();
    final LongAdder lateHandlerFailures = new LongAdder();
    final LongAdder sessionsCommitted = new LongAdder();
    final LongAdder unverifiable = new LongAdder();
    final LongAdder writes = new LongAdder();
    final LongAdder writeConflicts = new LongAdder();
    final LongAdder storeFailures = new LongAdder();
    final LongAdder writesRecovered = new LongAdder();
    final LongAdder listenerFailures = new LongAdder();
    final LatencyHistogram applyLatency = new LatencyHistogram();
    final LatencyHistogram eventLag = new LatencyHistogram();

    void count(RecordResult[] results) {
        for (RecordResult r : results) {
            switch (r.outcome()) {
                case APPLIED -> applied.increment();
                case DUPLICATE -> duplicates.increment();
                case REJECTED -> rejected.increment();
                case ERASED -> erased.increment();
                case LATE -> late.increment();
                default -> throw new IllegalStateException("unknown outcome " + r.outcome());
            }
        }
    }

    EngineMetrics snapshot() {
        return new EngineMetrics(applied.sum(), duplicates.sum(), rejected.sum(), erased.sum(), late.sum(),
                unverifiable.sum(), lateApplied.sum(), lateDropped.sum(), lateSideOutput.sum(), tooLateForWindow.sum(),
                sessionsCommitted.sum(), writes.sum(), writeConflicts.sum(), storeFailures.sum(), writesRecovered.sum(),
                listenerFailures.sum() + lateHandlerFailures.sum(), applyLatency.snapshot(), eventLag.snapshot());
    }
}
