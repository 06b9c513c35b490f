package io.profilekit.examples;

import io.profilekit.ProfileChange;
import io.profilekit.ProfileChangeListener;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Record-to-readable latency: {@link #sent} notes when the application recorded an event; as a
 * {@link ProfileChangeListener} on the engine that applies it, it sees the event among the causes
 * of a profile change right after the store write, when any instance can read it.
 */
final class ReadLatency implements ProfileChangeListener {
    private final ConcurrentHashMap<String, Long> inFlight = new ConcurrentHashMap<>();
    private final Recorder interval = new Recorder(3);
    private final Histogram total = new Histogram(3);

    void sent(String eventId, long nanos) {
        inFlight.put(eventId, nanos);
    }

    @Override
    public void onChange(ProfileChange change) {
        long now = System.nanoTime();
        for (String id : change.causeEventIds()) {
            Long t = inFlight.remove(id);
            if (t != null) {
                interval.recordValue(Math.max(1, (now - t) / 1000));
            }
        }
    }

    /** The microseconds recorded since the last call; also added to {@link #total()}. */
    synchronized Histogram interval() {
        Histogram h = interval.getIntervalHistogram();
        total.add(h);
        return h;
    }

    /** Everything recorded up to the last {@link #interval()}, in microseconds. */
    synchronized Histogram total() {
        return total;
    }

    void reset() {
        interval();
        synchronized (this) {
            total.reset();
        }
        inFlight.clear();
    }
}
