package io.profilekit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Per source, the newest event time seen; the watermark is that minus the allowed lateness. An
 * event older than its source's watermark is late. Thread-safe.
 */
final class Watermarks {
    private final long latenessMillis;
    private final ConcurrentHashMap<String, AtomicLong> newest = new ConcurrentHashMap<>();

    Watermarks(long latenessMillis) {
        this.latenessMillis = latenessMillis;
    }

    /** The newest event time seen from {@code source}, or {@link Long#MIN_VALUE}. */
    long newest(String source) {
        AtomicLong max = newest.get(source);
        return max == null ? Long.MIN_VALUE : max.get();
    }

    /** The watermark that a newest event time of {@code newestTime} gives. */
    long watermark(long newestTime) {
        return newestTime == Long.MIN_VALUE ? Long.MIN_VALUE : newestTime - latenessMillis;
    }

    /** Moves a source's newest event time forward (never back). */
    void advance(String source, long eventTime) {
        newest.computeIfAbsent(source, s -> new AtomicLong(Long.MIN_VALUE)).accumulateAndGet(eventTime, Math::max);
    }

    /** The current watermark of each source, epoch milliseconds. */
    Map<String, Long> snapshot() {
        Map<String, Long> out = new java.util.TreeMap<>();
        newest.forEach((s, t) -> out.put(s, t.get() - latenessMillis));
        return out;
    }
}
