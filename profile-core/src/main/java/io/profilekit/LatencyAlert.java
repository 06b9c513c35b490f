package io.profilekit;

import java.time.Duration;
import java.time.Instant;

/**
 * The p99 of record-to-applied latency over a sliding window crossed its threshold (or came back
 * under it).
 *
 * @param p99       the 99th percentile over the window
 * @param threshold the configured threshold
 * @param window    the window's length
 * @param at        when it was noticed, by the engine's clock
 * @param above     true when the p99 went above the threshold, false when it came back under
 */
public record LatencyAlert(Duration p99, Duration threshold, Duration window, Instant at, boolean above) {
}
