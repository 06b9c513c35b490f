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

    /** Records an event time; returns the source's watermark as it stood before this event. */
    long observe(String source, long eventTime) {
        AtomicLong max = newest.computeIfAbsent(source, s -> new AtomicLong(Long.MIN_VALUE));
        long before = max.getAndAccumulate(eventTime, Math::max);
        return before == Long.MIN_VALUE ? Long.MIN_VALUE : before - latenessMillis;
    }

    /** The current watermark of each source, epoch milliseconds. */
    Map<String, Long> snapshot() {
        Map<String, Long> out = new java.util.TreeMap<>();
        newest.forEach((s, t) -> out.put(s, t.get() - latenessMillis));
        return out;
    }
}
