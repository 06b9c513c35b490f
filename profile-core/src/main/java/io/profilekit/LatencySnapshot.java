package io.profilekit;

/**
 * Figures of a latency histogram, in nanoseconds. Percentiles are within 6.25 % of the truth.
 *
 * @param count how many durations were recorded
 * @param mean  their mean
 * @param p50   the median
 * @param p99   the 99th percentile
 * @param p999  the 99.9th percentile
 * @param max   the largest
 */
public record LatencySnapshot(long count, long mean, long p50, long p99, long p999, long max) {
}
