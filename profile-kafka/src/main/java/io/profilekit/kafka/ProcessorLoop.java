package io.profilekit.kafka;

import io.profilekit.InvalidEventException;
import io.profilekit.JsonEventCodec;
import io.profilekit.ProfileChangeListener;
import io.profilekit.ProfileEngine;
import io.profilekit.ProfileStoreException;
import io.profilekit.RecordResult;
import io.profilekit.SourcedEvent;
import io.profilekit.Violation;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The body of one of a {@link KafkaProfileProcessor}'s consumer threads: poll, decode, dead-letter,
 * apply, commit; pause and retry while the store fails. Only that thread touches its consumer; the
 * producer and the change listener may be shared with the processor's other loops.
 */
final class ProcessorLoop implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ProcessorLoop.class);

    private final Consumer<String, byte[]> consumer;
    private final Producer<String, byte[]> producer;
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
    private Batch pending;

    private final AtomicLong records = new AtomicLong();
    private final AtomicLong appliedEvents = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong deadLetterFailures = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong storeFailures = new AtomicLong();
    private final AtomicLong pauses = new AtomicLong();
    private final AtomicLong revocations = new AtomicLong();

    /** One poll's records: the events to apply, the records they came from, and the offsets to commit. */
    private static final class Batch {
        final List<SourcedEvent> events;
        final List<ConsumerRecord<String, byte[]>> origins;
        final Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        final List<Letter> letters = new ArrayList<>();
        List<RecordResult> results;
        int records;
        boolean finished;

        Batch(int capacity) {
            events = new ArrayList<>(capacity);
            origins = new ArrayList<>(capacity);
        }

        void drop(Collection<TopicPartition> partitions) {
            letters.removeIf(l -> partitions.contains(l.from()));
            for (int i = events.size() - 1; i >= 0; i--) {
                ConsumerRecord<String, byte[]> r = origins.get(i);
                if (partitions.contains(new TopicPartition(r.topic(), r.partition()))) {
                    events.remove(i);
                    origins.remove(i);
                }
            }
            partitions.forEach(next::remove);
        }
    }

    private record Letter(TopicPartition from, ProducerRecord<String, byte[]> record) {
    }

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
        this.producer = producer;
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
            pending = null; // not finished, not committed: leaving the group must not finish it either
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
        return new ProcessorMetrics(records.get(), appliedEvents.get(), duplicates.get(), deadLettered.get(),
                deadLetterFailures.get(), 0, batches.get(), storeFailures.get(), pauses.get(),
                paused, revocations.get(), assigned, lag);
    }

    private void handle(ConsumerRecords<String, byte[]> polled) {
        Batch batch = new Batch(polled.count());
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
        if (!applyWithRetry()) {
            return; // closing while the store fails: the batch stays uncommitted, to be re-read
        }
        pending = null;
        finish(batch);
    }

    /** Applies the pending batch, pausing and retrying while the store fails; false if stopped meanwhile. */
    private boolean applyWithRetry() {
        long backoff = minBackoffNanos;
        while (true) {
            if (tryApply(pending)) {
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
            for (long left = backoff; left > 0 && running; left = until - System.nanoTime()) {
                ConsumerRecords<String, byte[]> stray;
                try {
                    stray = consumer.poll(Duration.ofNanos(Math.min(left, pollTimeout.toNanos())));
                } catch (WakeupException e) {
                    return false;
                }
                rewind(stray);
                consumer.pause(consumer.assignment());
                updateLag();
                if (pending.results != null) {
                    resumeIfPaused(); // the revoke callback finished it
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
            consumer.resume(consumer.paused());
            paused = false;
            log.info("store is back: resumed consuming");
        }
    }

    /** One attempt; false when the store failed. */
    private boolean tryApply(Batch batch) {
        if (batch.results != null) {
            return true;
        }
        try {
            batch.results = batch.events.isEmpty() ? List.of() : engine.applyBatch(batch.events, changeSink);
            batches.incrementAndGet();
            return true;
        } catch (ProfileStoreException e) {
            storeFailures.incrementAndGet();
            if (storeFailures.get() == 1 || !paused) {
                log.warn("store failed; pausing partitions and retrying the batch: {}", e.toString());
            }
            return false;
        }
    }

    /** Dead-letters what the engine rejected, waits for dead letters, and commits the batch's offsets. */
    private void finish(Batch batch) {
        if (batch.finished) {
            return;
        }
        batch.finished = true;
        List<ProducerRecord<String, byte[]>> letters = new ArrayList<>();
        batch.letters.forEach(l -> letters.add(l.record()));
        long nApplied = 0;
        long nDuplicates = 0;
        for (int i = 0; i < batch.results.size(); i++) {
            RecordResult res = batch.results.get(i);
            switch (res.outcome()) {
                case APPLIED -> nApplied++;
                case DUPLICATE -> nDuplicates++;
                case REJECTED -> letters.add(DeadLetters.of(deadLetterTopic, batch.origins.get(i),
                        res.violations().stream().map(Violation::toString).collect(Collectors.joining("; "))));
                case ERASED -> {
                }
            }
        }
        if (!letters.isEmpty()) {
            sendDeadLetters(letters);
        }
        // in this order, so that a reader who sees the records counted sees their outcomes counted
        duplicates.addAndGet(nDuplicates);
        appliedEvents.addAndGet(nApplied);
        records.addAndGet(batch.records);
        applied.putAll(batch.next);
        consumer.commitAsync(Map.copyOf(batch.next), this::committed);
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

    private void sendDeadLetters(List<ProducerRecord<String, byte[]>> letters) {
        List<Future<?>> sent = new ArrayList<>(letters.size());
        for (ProducerRecord<String, byte[]> l : letters) {
            try {
                sent.add(producer.send(l));
            } catch (RuntimeException e) {
                deadLetterFailures.incrementAndGet();
                log.error("dead letter from {}-{}@{} not sent: {}", header(l, DeadLetters.ORIGINAL_TOPIC),
                        header(l, DeadLetters.ORIGINAL_PARTITION), header(l, DeadLetters.ORIGINAL_OFFSET), e.toString());
            }
        }
        producer.flush();
        for (int i = 0; i < sent.size(); i++) {
            try {
                sent.get(i).get();
                deadLettered.incrementAndGet();
            } catch (Exception e) {
                deadLetterFailures.incrementAndGet();
                log.error("dead letter not taken by the broker: {}", e.toString());
            }
        }
    }

    private static String header(ProducerRecord<String, byte[]> r, String name) {
        return DeadLetters.header(r.headers(), name).orElse("?");
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

    private void finishOnClose() {
        try {
            if (pending != null && tryApply(pending)) {
                Batch b = pending;
                pending = null;
                finish(b);
            }
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
            if (pending != null && pending.results == null) {
                // the store was failing: one more try, else the new owner re-reads these partitions
                if (tryApply(pending)) {
                    finish(pending);
                } else {
                    pending.drop(partitions);
                }
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
            if (pending != null && pending.results == null) {
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
