package io.profilekit.kafka;

import io.profilekit.EventLimits;
import io.profilekit.JsonEventCodec;
import io.profilekit.ProfileChange;
import io.profilekit.ProfileChangeListener;
import io.profilekit.ProfileEngine;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Builds profiles from the event topics: a member of a consumer group that applies each poll's
 * records to a {@link ProfileEngine} as one batch, with exactly-once effect.
 *
 * <pre>{@code
 * try (ProfileEngine engine = ProfileEngine.builder().reducer(reducer).store(redisStore).build();
 *      KafkaProfileProcessor processor = KafkaProfileProcessor.builder()
 *              .bootstrapServers("127.0.0.1:9092").groupId("profiles").engine(engine).consumers(2).build()) {
 *     processor.start();
 *     ...
 * }
 * }</pre>
 *
 * <p>Per poll: each record is decoded; the valid ones are applied by {@link ProfileEngine#applyBatch}
 * with the record's topic-partition as source and its offset as fence, so a record redelivered after
 * a crash, a rebalance or by a zombie changes nothing; an invalid one (bad JSON, a broken limit or
 * schema) goes to the dead-letter topic with its raw bytes and headers naming its origin and the
 * reason ({@link DeadLetters}). One change record per changed profile goes to {@code profile-updates}
 * ({@link ChangeRecords}), and a tombstone (the user's key, no value) for each
 * {@link ProfileEngine#erase erase} made through the processor's engine while it runs, on any thread.
 *
 * <p>Delivery: nothing is lost. A partition's offsets are committed only after the store write of
 * its records and after the broker acknowledged the dead letter of each of its invalid records.
 * Events have an exactly-once effect (the fences skip what is read again). Dead letters are
 * at-least-once: the records of a batch read again after a crash, a close or a rebalance that came
 * before its commit are dead-lettered again, so the dead-letter topic may hold a letter twice (the
 * copies carry the same {@link DeadLetters} origin headers: topic, partition and offset).
 *
 * <p>When the store fails, or a dead letter is not acknowledged (the send throws, or fails after the
 * producer's own retries, say while the dead-letter topic does not exist), a consumer pauses all its
 * partitions, keeps polling (so the group does not evict it), retries with a backoff doubling from
 * {@link Builder#retryBackoff} up to {@link Builder#maxRetryBackoff} (the batch while the store
 * fails, then only the dead letters not acknowledged), and resumes when it succeeds. While dead
 * letters are retried, the batch's partitions that owe none are committed. Nothing is buffered beyond
 * the one batch per consumer. A dead letter too large for the dead-letter topic is sent again
 * without its value (header {@link DeadLetters#VALUE_DROPPED}), and if it is still too large, without
 * its key and its own headers ({@link DeadLetters#KEY_AND_HEADERS_DROPPED}); one the broker refuses
 * for good for another reason (a missing write permission, say) holds its consumer's partitions
 * until it is taken, which {@link #metrics()} shows ({@code paused}, a growing
 * {@code deadLetterFailures}). One attempt at the dead letters stops sending at the first letter the
 * producer fails at once for another reason than its size (the rest wait for the next attempt), so
 * it waits up to the producer's
 * {@code max.block.ms} once plus {@code delivery.timeout.ms} without polling (5 s + 120 s for the
 * producer the processor creates), whatever the number of letters, which must stay below the
 * consumer's {@code max.poll.interval.ms} (300 s by default). If the consumer is closed, or its partitions are revoked or lost, while the store or the
 * dead letters still fail (after one more try), those partitions' offsets stay uncommitted, so that
 * their records are read again.
 *
 * <p>Threads: {@link Builder#consumers} consumer threads (default one), created by {@link #start()}
 * and named {@code profilekit-processor-<group>-<i>}, plus one thread that publishes change records.
 * Each consumer thread has its own {@code KafkaConsumer} in the group and runs everything above on
 * its own: the group's assignor spreads the partitions over them (and over other instances), and
 * as a user's events stay on one partition, two threads never apply events of one user at once.
 * While one thread waits for the store, another can poll, decode and apply. More consumers than
 * partitions leave some idle. The engine, the producer (dead letters, change records) and the
 * change record queue are shared.
 *
 * <p>Failure: fail-fast. If a consumer thread dies of anything but a store or dead-letter failure (a
 * bug, an {@code Error} thrown by a listener, a Kafka error the consumer cannot recover from), the
 * whole processor stops: that thread leaves the group without committing its batch in hand (its next
 * owner re-reads it and the fences skip what was applied), and the other threads stop as on
 * {@link #close()}, finishing and committing their own batches in hand. The cause is logged once at
 * ERROR and kept: {@link #isRunning()} turns false and {@link #failure()} returns it. The processor
 * does not restart; the application decides (a new processor, or exiting so that the orchestrator
 * restarts it), and should still call {@link #close()}, which waits for the threads.
 *
 * <p>Who closes what: the consumers are always created and closed by the processor; a producer
 * given by {@link Builder#producer} is never closed, one it created is, after every consumer and
 * then the change record publisher. The engine is never closed. {@link #close()} finishes each
 * consumer's batch in hand, commits, and leaves the group.
 */
public final class KafkaProfileProcessor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaProfileProcessor.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    private final List<ProcessorLoop> loops;
    private final List<Thread> threads;
    private final Producer<String, byte[]> producer;
    private final boolean ownsProducer;
    private final String updatesTopic;
    private final ProfileEngine engine;
    private final String name;
    private final AtomicLong changesPublished = new AtomicLong();
    /** Loops whose thread has not ended yet; the last to end closes the shared clients. */
    private final AtomicInteger live = new AtomicInteger();
    /** The first failure of a consumer thread, set on that thread before it leaves the group. */
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** Set by {@link #close()} and by a failure: the consumers are told to stop. */
    private volatile boolean stopping;
    /** Created by {@link #start()}; null before, or without an updates topic. */
    private volatile ChangePublisher changePublisher;
    private boolean started;
    private boolean closed;

    private KafkaProfileProcessor(Builder b) {
        this.name = "profilekit-processor-" + b.groupId;
        this.updatesTopic = b.updatesTopic;
        this.ownsProducer = b.producer == null;
        JsonEventCodec codec = JsonEventCodec.create(b.limits);
        List<String> topics = List.copyOf(b.topics);
        List<KafkaConsumer<String, byte[]>> consumers = new ArrayList<>(b.consumers);
        Producer<String, byte[]> p = b.producer;
        try {
            for (int i = 0; i < b.consumers; i++) {
                consumers.add(new KafkaConsumer<>(consumerConfig(b, i), new StringDeserializer(),
                        new ByteArrayDeserializer()));
            }
            if (p == null) {
                Properties pc = new Properties();
                pc.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
                pc.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(b.limits.maxEventBytes() + (1 << 20)));
                // change records are a steady high-volume stream: fewer, larger produce requests cost
                // the producer and the broker much less CPU (measured: +20 % pipeline throughput)
                pc.put(ProducerConfig.LINGER_MS_CONFIG, "20");
                pc.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
                pc.putAll(b.producerOverrides);
                p = new KafkaProducer<>(KafkaEventPublisher.producerConfig(pc), new StringSerializer(),
                        new ByteArraySerializer());
            }
        } catch (RuntimeException e) {
            for (KafkaConsumer<String, byte[]> c : consumers) {
                try {
                    c.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        this.producer = p;
        this.engine = b.engine;
        ProfileChangeListener changes = updatesTopic == null ? null : this::publishChange;
        List<ProcessorLoop> ls = new ArrayList<>(b.consumers);
        List<Thread> ts = new ArrayList<>(b.consumers);
        for (int i = 0; i < b.consumers; i++) {
            int k = i;
            ls.add(new ProcessorLoop(consumers.get(i), producer, b.engine, codec, topics, b.deadLetterTopic, changes,
                    b.pollTimeout, b.retryBackoff, b.maxRetryBackoff, t -> loopFailed(k, t), () -> loopEnded()));
        }
        this.loops = List.copyOf(ls);
        for (int i = 0; i < loops.size(); i++) {
            Thread t = b.threadFactory.apply(loops.get(i), name + "-" + i);
            t.setDaemon(true);
            ts.add(t);
        }
        this.threads = List.copyOf(ts);
    }

    /**
     * The settings of consumer {@code i}: the defaults, then the overrides; a {@code client.id} or a
     * {@code group.instance.id} set by the application gets {@code -i} appended when there are
     * several consumers: two members of a group cannot share an instance id, and a client id names
     * one client's metrics.
     */
    private static Properties consumerConfig(Builder b, int i) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, b.groupId);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.putAll(b.consumerOverrides);
        if (b.consumers > 1) {
            for (String unique : List.of(ConsumerConfig.CLIENT_ID_CONFIG, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)) {
                Object v = c.get(unique);
                if (v != null) {
                    c.put(unique, v + "-" + i);
                }
            }
        }
        return c;
    }

    /** A builder. Mutable and not thread-safe. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts the consumer threads; each joins the group and begins applying events. */
    public synchronized KafkaProfileProcessor start() {
        if (started) {
            throw new IllegalStateException("already started");
        }
        if (closed) {
            throw new IllegalStateException("closed");
        }
        started = true;
        if (updatesTopic != null) {
            try {
                changePublisher = new ChangePublisher(producer, updatesTopic, 16_384, changesPublished, name + "-updates");
                engine.addEraseListener(publishTombstone);
            } catch (RuntimeException | Error e) {
                // no consumer thread started: the processor is closed as one that never started
                closed = true;
                stopping = true;
                loops.forEach(ProcessorLoop::closeConsumer);
                closeShared();
                throw e;
            }
        }
        live.set(threads.size());
        for (int i = 0; i < threads.size(); i++) {
            try {
                threads.get(i).start();
            } catch (RuntimeException | Error e) {
                // no thread for this consumer and the ones after it: the started ones are stopped, the
                // rest closed here, and the last to end closes the shared clients
                closed = true;
                stopping = true;
                loops.forEach(ProcessorLoop::stop);
                for (int j = i; j < threads.size(); j++) {
                    loops.get(j).closeConsumer();
                    if (live.decrementAndGet() == 0) {
                        closeShared();
                    }
                }
                throw e;
            }
        }
        return this;
    }

    /** The counters since start, summed over the consumer threads ({@link ProcessorMetrics#plus}). */
    public ProcessorMetrics metrics() {
        ProcessorMetrics sum = new ProcessorMetrics(0, 0, 0, 0, 0, changesPublished.get(), 0, 0, 0, false, 0, 0, 0);
        for (ProcessorLoop loop : loops) {
            sum = sum.plus(loop.metrics());
        }
        return sum;
    }

    /**
     * Whether the processor runs: started, not closed, and no consumer thread failed. False as soon
     * as {@link #close()} is called or a thread fails, while the threads may still be finishing.
     */
    public boolean isRunning() {
        if (stopping) {
            return false;
        }
        for (Thread t : threads) {
            if (!t.isAlive()) {
                return false;
            }
        }
        return true;
    }

    /**
     * What stopped the processor, if a consumer thread failed: the first failure (set as soon as the
     * thread fails, before the processor's threads have ended). Empty after a plain {@link #close()}.
     */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure.get());
    }

    /**
     * Stops: tells every consumer thread to stop, then each finishes its batch in hand (one more try
     * if the store or its dead letters were failing; the partitions still failing are left
     * uncommitted), commits what it completed and leaves the group; then the change records queued
     * are published and what the processor created is closed. Waits up to 30 s in all. Also to be
     * called after a {@link #failure()}.
     */
    @Override
    public synchronized void close() {
        boolean first = !closed;
        closed = true;
        stopping = true;
        loops.forEach(ProcessorLoop::stop);
        if (!started) {
            if (first) {
                loops.forEach(ProcessorLoop::closeConsumer);
                closeShared();
            }
            return;
        }
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        for (Thread t : threads) {
            if (t == Thread.currentThread()) {
                continue; // closed from a listener on this thread: it stops after the batch in hand
            }
            try {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    t.join(Math.max(1, left / 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        for (Thread t : threads) {
            if (t != Thread.currentThread() && t.isAlive()) {
                log.warn("{}: consumer thread {} has not ended {} s after close(); it still finishes its batch in hand "
                        + "(the store or the dead-letter topic is slow), then commits and leaves the group: close the "
                        + "engine and the clients it uses only after it ends", name, t.getName(), CLOSE_WAIT.toSeconds());
            }
        }
    }

    /** Queues a tombstone for each erase the engine makes while the processor runs. */
    private final java.util.function.BiConsumer<String, java.time.Instant> publishTombstone =
            (userId, erasedAt) -> changePublisher.onErase(userId, erasedAt);

    /** Queues one change record; called by the consumer threads while applying. */
    private void publishChange(ProfileChange change) {
        changePublisher.onChange(change);
    }

    /**
     * On consumer thread {@code i}, which failed and has not left the group yet: keeps the first
     * failure, logs it once, and stops every consumer (fail-fast).
     */
    private void loopFailed(int i, Throwable t) {
        stopping = true;
        if (failure.compareAndSet(null, t)) {
            log.error("{}: consumer thread {} failed; stopping the processor: the other consumers finish and commit "
                    + "their batches in hand, this one leaves without committing its own, which will be read again "
                    + "(its applied events skipped by their fences)", name, i, t);
        } else {
            log.warn("{}: consumer thread {} failed too, while the processor was stopping: {}", name, i, t.toString());
        }
        loops.forEach(ProcessorLoop::stop);
    }

    /** On a consumer thread that has closed its consumer; the last one closes the shared clients. */
    private void loopEnded() {
        if (live.decrementAndGet() == 0) {
            closeShared();
        }
    }

    /** After every consumer: publishes what is queued, then closes the producer if the processor created it. */
    private void closeShared() {
        ChangePublisher publisher = changePublisher;
        if (publisher != null) {
            engine.removeEraseListener(publishTombstone);
            publisher.close();
        }
        if (ownsProducer) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** Builds a {@link KafkaProfileProcessor}. Mutable and not thread-safe; {@link #build()} validates. */
    public static final class Builder {
        /** The most consumers one processor runs. */
        public static final int MAX_CONSUMERS = 64;

        private ProfileEngine engine;
        private String bootstrapServers;
        private String groupId = "profilekit";
        private final List<String> topics = new ArrayList<>(List.of(
                KafkaEventPublisher.USER_EVENTS, KafkaEventPublisher.PURCHASE_DATA));
        private String deadLetterTopic = TopicSetup.DEAD_LETTERS;
        private String updatesTopic = TopicSetup.PROFILE_UPDATES;
        private Producer<String, byte[]> producer;
        private final Properties consumerOverrides = new Properties();
        private final Properties producerOverrides = new Properties();
        private EventLimits limits = EventLimits.defaults();
        private Duration pollTimeout = Duration.ofMillis(100);
        private Duration retryBackoff = Duration.ofMillis(50);
        private Duration maxRetryBackoff = Duration.ofSeconds(2);
        private java.util.function.BiFunction<Runnable, String, Thread> threadFactory = Thread::new;
        private int consumers = 1;

        private Builder() {
        }

        /** The engine events are applied with. Required; never closed by the processor. */
        public Builder engine(ProfileEngine engine) {
            this.engine = Objects.requireNonNull(engine, "engine");
            return this;
        }

        /**
         * How many consumers (each with its own thread) the processor runs in the group; default 1,
         * at most {@value #MAX_CONSUMERS}. More than one lets a thread apply a batch while another
         * waits for the store; more than the partitions of the topics leaves some idle.
         */
        public Builder consumers(int consumers) {
            if (consumers < 1 || consumers > MAX_CONSUMERS) {
                throw new IllegalArgumentException("consumers must be between 1 and " + MAX_CONSUMERS + ", got "
                        + consumers);
            }
            this.consumers = consumers;
            return this;
        }

        /** The brokers. Required. */
        public Builder bootstrapServers(String servers) {
            this.bootstrapServers = Objects.requireNonNull(servers, "servers");
            return this;
        }

        /** The consumer group; every instance building the same profiles uses the same one. Default {@code profilekit}. */
        public Builder groupId(String groupId) {
            this.groupId = Objects.requireNonNull(groupId, "groupId");
            return this;
        }

        /** The event topics; default {@code user-events} and {@code purchase-data}. */
        public Builder topics(List<String> topics) {
            if (topics.isEmpty()) {
                throw new IllegalArgumentException("topics must not be empty");
            }
            this.topics.clear();
            this.topics.addAll(topics);
            return this;
        }

        /** Where invalid records go; default {@code user-events.dlq}. */
        public Builder deadLetterTopic(String topic) {
            this.deadLetterTopic = Objects.requireNonNull(topic, "topic");
            return this;
        }

        /** Where change records go; default {@code profile-updates}; empty to publish none. */
        public Builder updatesTopic(Optional<String> topic) {
            this.updatesTopic = topic.orElse(null);
            return this;
        }

        /** Sends dead letters and change records through a producer the application owns (never closed here). */
        public Builder producer(Producer<String, byte[]> producer) {
            this.producer = Objects.requireNonNull(producer, "producer");
            return this;
        }

        /** A consumer setting over the defaults (manual commits are kept whatever is set here). */
        public Builder consumerProperty(String name, Object value) {
            this.consumerOverrides.put(name, value);
            return this;
        }

        /**
         * A setting of the producer the processor creates (for dead letters and change records), over
         * the defaults: those of {@link KafkaEventPublisher#producerConfig} (idempotent, {@code acks=all},
         * lz4), with {@code linger.ms=20} and {@code batch.size=262144} for the steady stream of change
         * records.
         */
        public Builder producerProperty(String name, Object value) {
            this.producerOverrides.put(name, value);
            return this;
        }

        /** The limits records are decoded under; default {@link EventLimits#defaults()}. */
        public Builder limits(EventLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** How long one poll waits for records; default 100 ms. Also how quickly close() is noticed. */
        public Builder pollTimeout(Duration timeout) {
            this.pollTimeout = positive(timeout, "pollTimeout");
            return this;
        }

        /**
         * The first wait before retrying a batch the store failed, or dead letters the broker did not
         * acknowledge; default 50 ms, doubling.
         */
        public Builder retryBackoff(Duration backoff) {
            this.retryBackoff = positive(backoff, "retryBackoff");
            return this;
        }

        /** The longest wait between retries; default 2 s. */
        public Builder maxRetryBackoff(Duration backoff) {
            this.maxRetryBackoff = positive(backoff, "maxRetryBackoff");
            return this;
        }

        /** How consumer threads are made (tests make one that cannot start). */
        Builder threadFactory(java.util.function.BiFunction<Runnable, String, Thread> factory) {
            this.threadFactory = Objects.requireNonNull(factory, "threadFactory");
            return this;
        }

        public KafkaProfileProcessor build() {
            Objects.requireNonNull(engine, "engine is required: KafkaProfileProcessor.builder().engine(...)");
            Objects.requireNonNull(bootstrapServers, "bootstrapServers is required");
            if (maxRetryBackoff.compareTo(retryBackoff) < 0) {
                throw new IllegalArgumentException("maxRetryBackoff " + maxRetryBackoff + " is below retryBackoff "
                        + retryBackoff);
            }
            consumerOverrides.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            return new KafkaProfileProcessor(this);
        }

        private static Duration positive(Duration d, String name) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + d);
            }
            return d;
        }
    }
}
