package io.profilekit.kafka;

import io.profilekit.ProfileChange;
import io.profilekit.ProfileChangeListener;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes change records from a thread of its own, so that their encoding and the producer's
 * work (batching, compression) do not run on the processor thread between two store writes.
 *
 * <p>The processor thread only queues each change (after the store write, as before); one
 * thread takes them in that order, so the records of one user stay in order. The queue is bounded:
 * when the publisher falls behind, the processor thread waits, up to {@link #MAX_WAIT} for one
 * record; once a record has waited that long in vain, the next ones fail at once while the queue
 * stays full, each logged and counted by the engine as a listener failure. {@link #close()} publishes what was
 * queued before returning. As before, change records are best effort with respect to offset
 * commits: a failed send is logged, not retried.
 */
final class ChangePublisher implements ProfileChangeListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChangePublisher.class);
    private static final int BATCH = 256;

    private final Producer<String, byte[]> producer;
    private final String topic;
    /** {@link ProfileChange}s and {@link Erased} users, in the order they came. */
    private final BlockingQueue<Object> queue;
    private final AtomicLong published;
    private final Thread thread;
    private volatile boolean closing;
    private final long maxWaitNanos;

    ChangePublisher(Producer<String, byte[]> producer, String topic, int capacity, AtomicLong published, String name) {
        this(producer, topic, capacity, published, name, MAX_WAIT);
    }

    /** @param maxWait how long a record waits for room in a full queue (tests shorten it) */
    ChangePublisher(Producer<String, byte[]> producer, String topic, int capacity, AtomicLong published, String name,
                    java.time.Duration maxWait) {
        this.maxWaitNanos = maxWait.toNanos();
        this.producer = producer;
        this.topic = topic;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.published = published;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** How long {@link #onChange} waits for room in a full queue before it fails that record, by default. */
    static final java.time.Duration MAX_WAIT = java.time.Duration.ofSeconds(10);

    /**
     * Set when a record waited the longest it may in vain: until one is queued again, records find
     * room at once or fail at once, so that a batch of many changes does not wait that long for each.
     */
    private volatile boolean overflowing;

    /** An erase, published as a tombstone (the user's key, no value). */
    private record Erased(String userId) {
    }

    @Override
    public void onChange(ProfileChange change) {
        queue(change, change.userId());
    }

    /** Queues a tombstone for the user, behind the changes queued before it. */
    @Override
    public void onErase(String userId, java.time.Instant erasedAt) {
        queue(new Erased(userId), userId);
    }

    private void queue(Object change, String userId) {
        try {
            if (overflowing) {
                if (!queue.offer(change)) {
                    throw new IllegalStateException("change record queue still full (the publisher is behind by "
                            + queue.size() + " records); change of user " + userId + " not published");
                }
                overflowing = false;
                return;
            }
            long deadline = System.nanoTime() + maxWaitNanos;
            while (!queue.offer(change, 100, TimeUnit.MILLISECONDS)) {
                if (!thread.isAlive()) {
                    throw new IllegalStateException("the change record publisher has stopped; change of user "
                            + userId + " not published");
                }
                if (System.nanoTime() - deadline > 0) {
                    // the applying thread is between a store write and its offset commit: fail this record
                    // (the engine logs and counts it) rather than stall the consumer past its poll interval
                    overflowing = true;
                    throw new IllegalStateException("change record queue full for " + maxWaitNanos / 1_000_000 + " ms; change of user "
                            + userId + " not published");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while queueing a change record", e);
        }
    }

    private void run() {
        ChangeRecords.Encoder encoder = new ChangeRecords.Encoder();
        List<Object> taken = new ArrayList<>(BATCH);
        try {
            while (true) {
                Object first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closing && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                taken.add(first);
                queue.drainTo(taken, BATCH - 1);
                for (Object change : taken) {
                    send(encoder, change);
                }
                taken.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("change record publisher stopped", e);
        }
    }

    /** Sends one record: a change, or a tombstone (no value) for an erase. */
    private void send(ChangeRecords.Encoder encoder, Object change) {
        String userId = change instanceof Erased e ? e.userId() : ((ProfileChange) change).userId();
        String what = change instanceof Erased ? "tombstone" : "change record";
        try {
            byte[] value = change instanceof Erased ? null : encoder.encode((ProfileChange) change);
            producer.send(new ProducerRecord<>(topic, userId, value), (meta, error) -> {
                if (error != null) {
                    log.warn("{} for user {} not published: {}", what, userId, error.toString());
                }
            });
            published.incrementAndGet();
        } catch (RuntimeException e) {
            log.warn("{} for user {} not published: {}", what, userId, e.toString());
        }
    }

    /** Publishes what is queued (waiting up to 10 s), then stops the thread. */
    @Override
    public void close() {
        closing = true;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("change record publisher did not drain in 10 s; {} change records dropped", queue.size());
            thread.interrupt();
        }
    }
}
