package io.profilekit.kafka;

import io.profilekit.InvalidEventException;
import io.profilekit.JsonEventCodec;
import io.profilekit.ProfileChangeListener;
import io.profilekit.ProfileEngine;
import io.profilekit.ProfileStoreException;
import io.profilekit.RecordResult;
import io.profilekit.SourcedEvent;
import io.profilekit.Violation;
import io.profilekit.kafka.DeadLetterSender.Letter;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The body of one of a {@link KafkaProfileProcessor}'s consumer threads: poll, decode, apply,
 * dead-letter, commit; pause and retry while the store or the dead-letter topic fails. A partition's
 * offsets are committed only once the batch is applied and every dead letter of its records is
 * acknowledged. Only that thread touches its consumer; the producer and the change listener may be
 * shared with the processor's other loops.
 */
final class ProcessorLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ProcessorLoop.class);

    private final Consumer<String, byte[]> consumer;
    private final DeadLetterSender deadLetters;
    private final ProfileEngine engine;
    private final JsonEventCodec codec;
    private final List<String> topics;
    private final String deadLetterTopic;
    private final Duration pollTimeout;
    private final long minBackoffNanos;
    private final long maxBackoffNanos;
    /** Hears the changes of each applied batch (queues change records); null without an updates topic. */
    private final ProfileChangeListener changeSink;
    /** Runs on the loop's thread as soon as it failed, before it leaves the group. */
    private final java.util.function.Consumer<Throwable> onFailure;
    /** Runs on the loop's thread once it has closed its consumer, whatever made it end. */
    private final Runnable onExit;
    private final Map<TopicPartition, String> sources = new HashMap<>();
    /** Applied but maybe not yet committed: the next offset to read, per partition. */
    private final Map<TopicPartition, OffsetAndMetadata> applied = new HashMap<>();

    private volatile boolean running = true;
    private volatile boolean paused;
    private volatile long lag;
    private volatile int assigned;
    /** Asynchronous commits that failed since the last one that succeeded; only the loop thread touches it. */
    private int commitFailures;
    /** The batch in hand, between decoding and its commit; only the loop thread touches it. */
    private PolledBatch pending;

    private final AtomicLong records = new AtomicLong();
    private final AtomicLong appliedEvents = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong storeFailures = new AtomicLong();
    private final AtomicLong pauses = new AtomicLong();
    private final AtomicLong revocations = new AtomicLong();

    /**
     * @param producer   sends dead letters; neither owned nor closed by the loop
     * @param changeSink hears each applied batch's changes, or null
     * @param onFailure  runs on the loop's thread when anything but a stop ends it, with the cause,
     *                   before it leaves the group (without committing its batch in hand)
     * @param onExit     runs on the loop's thread after it closed its consumer
     */
    ProcessorLoop(Consumer<String, byte[]> consumer, Producer<String, byte[]> producer, ProfileEngine engine,
                  JsonEventCodec codec, List<String> topics, String deadLetterTopic, ProfileChangeListener changeSink,
                  Duration pollTimeout, Duration minBackoff, Duration maxBackoff,
                  java.util.function.Consumer<Throwable> onFailure, Runnable onExit) {
        this.consumer = consumer;
        this.deadLetters = new DeadLetterSender(producer);
        this.engine = engine;
        this.codec = codec;
        this.topics = topics;
        this.deadLetterTopic = deadLetterTopic;
        this.changeSink = changeSink;
        this.pollTimeout = pollTimeout;
        this.minBackoffNanos = minBackoff.toNanos();
        this.maxBackoffNanos = maxBackoff.toNanos();
        this.onFailure = onFailure;
        this.onExit = onExit;
    }

    @Override
    public void run() {
        try {
            try {
                consumer.subscribe(topics, new Rebalance());
                while (running) {
                    ConsumerRecords<String, byte[]> polled = consumer.poll(pollTimeout);
                    updateLag();
                    if (!polled.isEmpty()) {
                        handle(polled);
                    }
                }
            } catch (WakeupException e) {
                // stop() woke the poll up
            }
            finishOnClose();
        } catch (Throwable t) {
            running = false;
            pending = null; // not complete, not committed: leaving the group must not complete it either
            try {
                onFailure.accept(t);
            } catch (Throwable suppressed) {
                t.addSuppressed(suppressed);
            }
        } finally {
            try {
                closeConsumer();
            } finally {
                // out of the group: no partitions of its own any more, whatever the callbacks saw
                assigned = 0;
                lag = 0;
                paused = false;
                onExit.run();
            }
        }
    }

    void stop() {
        running = false;
        consumer.wakeup();
    }

    /**
     * Closes the consumer: leaving the group runs the revoke callback, which may still apply a
     * pending batch and so queue change records. Called by the loop's thread when it ends, or by the
     * processor for a loop that never started.
     */
    void closeConsumer() {
        try {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        } catch (RuntimeException e) {
            log.warn("closing the consumer failed", e);
        }
    }

    /** This loop's counters; change records are counted by the processor's publisher, so 0 here. */
    ProcessorMetrics metrics() {
        return new ProcessorMetrics(records.get(), appliedEvents.get(), duplicates.get(), deadLetters.acknowledged(),
                deadLetters.failures(), 0, batches.get(), storeFailures.get(), pauses.get(),
                paused, revocations.get(), assigned, lag);
    }

    private void handle(ConsumerRecords<String, byte[]> polled) {
        PolledBatch batch = new PolledBatch(polled.count());
        for (TopicPartition tp : polled.partitions()) {
            List<ConsumerRecord<String, byte[]>> records = polled.records(tp);
            String source = sources.computeIfAbsent(tp, t -> t.topic() + "-" + t.partition());
            for (ConsumerRecord<String, byte[]> r : records) {
                if (r.value() == null) {
                    batch.letters.add(new Letter(tp, DeadLetters.of(deadLetterTopic, r,
                            "value: an event record needs a JSON value, got none")));
                    continue;
                }
                try {
                    batch.events.add(new SourcedEvent(codec.decode(r.value()), source, r.offset()));
                    batch.origins.add(r);
                } catch (InvalidEventException ex) {
                    batch.letters.add(new Letter(tp, DeadLetters.of(deadLetterTopic, r, ex.getMessage())));
                }
            }
            batch.next.put(tp, new OffsetAndMetadata(records.get(records.size() - 1).offset() + 1));
        }
        batch.records = polled.count();
        pending = batch;
        if (completeWithRetry()) {
            pending = null;
        } // else stopped while the store or the dead-letter topic fails: finishOnClose makes one more try
    }

    /**
     * Completes the pending batch: applies it, dead-letters what is invalid and commits each
     * partition's offsets once its dead letters are acknowledged. While the store or the dead-letter
     * topic fails, pauses all partitions, keeps polling (so that the group keeps this member) and
     * retries with a backoff doubling up to the maximum. False if stopped first.
     */
    private boolean completeWithRetry() {
        long backoff = minBackoffNanos;
        while (true) {
            if (advance(pending)) {
                resumeIfPaused();
                return true;
            }
            if (!paused) {
                consumer.pause(consumer.assignment());
                paused = true;
                pauses.incrementAndGet();
            }
            long until = System.nanoTime() + backoff;
            backoff = Math.min(backoff * 2, maxBackoffNanos);
            for (long left = until - System.nanoTime(); left > 0 && running; left = until - System.nanoTime()) {
                ConsumerRecords<String, byte[]> stray;
                try {
                    stray = consumer.poll(Duration.ofNanos(Math.min(left, pollTimeout.toNanos())));
                } catch (WakeupException e) {
                    return false;
                }
                rewind(stray);
                consumer.pause(consumer.assignment());
                updateLag();
                if (pending.complete()) {
                    resumeIfPaused(); // the revoke callback completed it, or took the partitions it waited for
                    return true;
                }
            }
            if (!running) {
                return false;
            }
        }
    }

    private void resumeIfPaused() {
        if (paused) {
            consumer.resume(consumer.assignment()); // all are paused (a mock's paused() may name revoked ones)
            paused = false;
            log.info(pending.emptied() ? "the partitions of the batch in hand were revoked or lost: resumed consuming"
                    : "batch through (store and dead-letter topic took it): resumed consuming");
        }
    }

    /**
     * One try at completing {@code batch}: applies it if it is not yet, sends the dead letters it
     * owes, and commits (asynchronously) the offsets of each partition that owes none.
     *
     * @return whether the batch is complete
     */
    private boolean advance(PolledBatch batch) {
        if (batch.results == null) {
            if (!tryApply(batch)) {
                return false;
            }
            count(batch);
        }
        if (!batch.letters.isEmpty()) {
            deadLetters.send(batch.letters);
        }
        release(batch);
        return batch.complete();
    }

    /** One attempt; false when the store failed. */
    private boolean tryApply(PolledBatch batch) {
        try {
            batch.results = batch.events.isEmpty() ? List.of() : engine.applyBatch(batch.events, changeSink);
            if (!batch.emptied()) {
                batches.incrementAndGet();
            }
            return true;
        } catch (ProfileStoreException e) {
            storeFailures.incrementAndGet();
            if (storeFailures.get() == 1 || !paused) {
                log.warn("store failed; pausing partitions and retrying the batch: {}", e.toString());
            }
            return false;
        }
    }

    /** Counts an applied batch's outcomes once, and adds the dead letters of the records the engine rejected. */
    private void count(PolledBatch batch) {
        long nApplied = 0;
        long nDuplicates = 0;
        for (int i = 0; i < batch.results.size(); i++) {
            RecordResult res = batch.results.get(i);
            ConsumerRecord<String, byte[]> origin = batch.origins.get(i);
            switch (res.outcome()) {
                case APPLIED -> nApplied++;
                case DUPLICATE -> nDuplicates++;
                case REJECTED -> batch.letters.add(new Letter(new TopicPartition(origin.topic(), origin.partition()),
                        DeadLetters.of(deadLetterTopic, origin, res.violations().stream().map(Violation::toString)
                                .collect(Collectors.joining("; ")))));
                case ERASED -> {
                }
            }
        }
        // in this order, so that a reader who sees the records counted sees their outcomes counted
        duplicates.addAndGet(nDuplicates);
        appliedEvents.addAndGet(nApplied);
        records.addAndGet(batch.records);
        batch.events.clear(); // applied: only the offsets and the dead letters are still needed
        batch.origins.clear();
    }

    /** Commits the offsets of the batch's partitions that owe no dead letter (and forgets them in the batch). */
    private void release(PolledBatch batch) {
        Set<TopicPartition> owing = new HashSet<>();
        batch.letters.forEach(l -> owing.add(l.from()));
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        for (var it = batch.next.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<TopicPartition, OffsetAndMetadata> e = it.next();
            if (!owing.contains(e.getKey())) {
                done.put(e.getKey(), e.getValue());
                it.remove();
            }
        }
        if (!done.isEmpty()) {
            applied.putAll(done);
            consumer.commitAsync(done, this::committed);
        }
    }

    /**
     * The callback of an asynchronous commit (run on the loop's thread, in a later poll). A failed
     * commit loses nothing: the next one carries later offsets, and records re-read meanwhile are
     * skipped by their fences. During a rebalance every commit fails, so a run of failures is
     * logged once when it starts and once when it ends, with its length.
     */
    private void committed(Map<TopicPartition, OffsetAndMetadata> offsets, Exception error) {
        if (error == null) {
            if (commitFailures > 0) {
                log.info("offset commits succeed again after {} failed", commitFailures);
                commitFailures = 0;
            }
        } else if (commitFailures++ == 0) {
            log.warn("offset commit failed, and any that fail after it until one succeeds are only counted "
                    + "(later commits carry the offsets; records re-read meanwhile are skipped): {}", error.toString());
        }
    }

    /** Records returned while paused (not expected) are sought back, so they are read again later. */
    private void rewind(ConsumerRecords<String, byte[]> stray) {
        for (TopicPartition tp : stray.partitions()) {
            consumer.seek(tp, stray.records(tp).get(0).offset());
        }
    }

    private void updateLag() {
        long sum = 0;
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong l = consumer.currentLag(tp);
            if (l.isPresent()) {
                sum += l.getAsLong();
            }
        }
        lag = sum;
    }

    /**
     * One last try at the batch in hand, then a synchronous commit of everything complete. The
     * partitions whose batch is not applied or still owes dead letters keep their last committed
     * offsets: their records are read again, by this group's next owner of them.
     */
    private void finishOnClose() {
        if (pending != null) {
            PolledBatch b = pending;
            pending = null; // leaving the group must not try it again
            boolean complete;
            try {
                complete = advance(b);
            } catch (RuntimeException e) {
                log.error("closing: the last try at the batch in hand failed; the offsets of {} are not committed, and "
                        + "their records will be read again", b.next.keySet(), e);
                complete = true; // said above
            }
            if (!complete) {
                log.warn("closing before the batch in hand was complete ({}): the offsets of {} are not committed, "
                                + "and their records will be read again (the applied events skipped, the invalid ones "
                                + "dead-lettered again)", b.results == null ? "the store failed"
                                : b.letters.size() + " dead letter(s) not acknowledged", b.next.keySet());
            }
        }
        try {
            if (!applied.isEmpty()) {
                try {
                    consumer.commitSync(applied, Duration.ofSeconds(5));
                } catch (WakeupException e) {
                    consumer.commitSync(applied, Duration.ofSeconds(5)); // stop() woke a call that was not a poll
                }
            }
        } catch (RuntimeException e) {
            log.warn("final commit failed (the records will be re-read and skipped): {}", e.toString());
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            revocations.incrementAndGet();
            if (pending != null && !pending.complete()) {
                // the store or the dead-letter topic was failing: one more try; what of these partitions
                // is still not applied or owes dead letters is not committed, so the new owner re-reads it
                advance(pending);
                Set<TopicPartition> owing = new HashSet<>(partitions);
                owing.retainAll(pending.next.keySet());
                if (!owing.isEmpty()) {
                    log.warn("partitions {} revoked before their batch was {}: not committed, the new owner re-reads "
                            + "them", owing, pending.results == null ? "applied" : "dead-lettered");
                }
                pending.drop(partitions);
            }
            Map<TopicPartition, OffsetAndMetadata> mine = new HashMap<>();
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata o = applied.remove(tp);
                if (o != null) {
                    mine.put(tp, o);
                }
            }
            if (!mine.isEmpty()) {
                try {
                    consumer.commitSync(mine);
                } catch (RuntimeException e) {
                    log.warn("commit on revocation failed (the records will be re-read and skipped): {}", e.toString());
                }
            }
            assigned = consumer.assignment().size() - partitions.size();
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            revocations.incrementAndGet();
            if (pending != null) {
                pending.drop(partitions);
            }
            partitions.forEach(applied::remove);
            assigned = consumer.assignment().size() - partitions.size();
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (paused) {
                consumer.pause(partitions);
            }
            assigned = consumer.assignment().size();
        }
    }
}
