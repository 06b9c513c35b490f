package io.profilekit.kafka;

import io.profilekit.EventLimits;
import io.profilekit.JsonEventCodec;
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

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * Builds profiles from the event topics: a member of a consumer group that applies each poll's
 * records to a {@link ProfileEngine} as one batch, with exactly-once effect.
 *
 * <pre>{@code
 * try (ProfileEngine engine = ProfileEngine.builder().reducer(reducer).store(redisStore).build();
 *      KafkaProfileProcessor processor = KafkaProfileProcessor.builder()
 *              .bootstrapServers("127.0.0.1:9092").groupId("profiles").engine(engine).build()) {
 *     processor.start();
 *     ...
 * }
 * }</pre>
 *
 * <p>Per poll: each record is decoded; an invalid one (bad JSON, a broken limit or schema) goes to
 * the dead-letter topic with its raw bytes and headers naming its origin and the reason
 * ({@link DeadLetters}); the rest are applied by {@link ProfileEngine#applyBatch} with the record's
 * topic-partition as source and its offset as fence, so a record redelivered after a crash, a
 * rebalance or by a zombie changes nothing. Offsets are committed only after the store write. One
 * change record per changed profile goes to {@code profile-updates} ({@link ChangeRecords}).
 *
 * <p>When the store fails, the processor pauses all its partitions, keeps polling (so the group
 * does not evict it), retries the same batch with a backoff doubling from
 * {@link Builder#retryBackoff} up to {@link Builder#maxRetryBackoff}, and resumes when it
 * succeeds. Nothing is buffered beyond the one batch.
 *
 * <p>Threads: one consumer thread, created by {@link #start()}. Who closes what: the consumer is
 * always created and closed by the processor; a producer given by {@link Builder#producer} is never
 * closed, one it created is. The engine is never closed. {@link #close()} finishes the batch in
 * hand, commits, and leaves the group. If the thread dies of anything but a store failure (a bug,
 * an {@code Error}), it leaves without committing its batch: the next owner of the partitions
 * re-reads it and the fences skip what was applied.
 */
public final class KafkaProfileProcessor implements AutoCloseable {
    private final ProcessorLoop loop;
    private final Thread thread;
    private boolean started;

    private KafkaProfileProcessor(Builder b) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, b.groupId);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.putAll(b.consumerOverrides);
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                new ByteArrayDeserializer());
        Producer<String, byte[]> producer = b.producer;
        if (producer == null) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
            p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(b.limits.maxEventBytes() + (1 << 20)));
            p.putAll(b.producerOverrides);
            try {
                producer = new KafkaProducer<>(KafkaEventPublisher.producerConfig(p), new StringSerializer(),
                        new ByteArraySerializer());
            } catch (RuntimeException e) {
                consumer.close();
                throw e;
            }
        }
        this.loop = new ProcessorLoop(consumer, producer, b.producer == null, b.engine, JsonEventCodec.create(b.limits),
                List.copyOf(b.topics), b.deadLetterTopic, b.updatesTopic, b.pollTimeout, b.retryBackoff,
                b.maxRetryBackoff);
        this.thread = new Thread(loop, "profilekit-processor-" + b.groupId);
        this.thread.setDaemon(true);
    }

    /** A builder. Mutable and not thread-safe. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts the consumer thread; it joins the group and begins applying events. */
    public synchronized KafkaProfileProcessor start() {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        thread.start();
        return this;
    }

    /** The counters since start. */
    public ProcessorMetrics metrics() {
        return loop.metrics();
    }

    /** Whether the consumer thread is running (started, not closed, not died). */
    public boolean isRunning() {
        return thread.isAlive();
    }

    /** What made the consumer thread die, if it did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(loop.failure());
    }

    /**
     * Stops: finishes the batch in hand (one more try if the store was failing), commits what was
     * applied, leaves the group, and closes what the processor created. Waits up to 30 s.
     */
    @Override
    public synchronized void close() {
        loop.stop();
        if (started && Thread.currentThread() != thread) {
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (!started) {
            loop.closeClients();
        }
    }

    /** Builds a {@link KafkaProfileProcessor}. Mutable and not thread-safe; {@link #build()} validates. */
    public static final class Builder {
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

        private Builder() {
        }

        /** The engine events are applied with. Required; never closed by the processor. */
        public Builder engine(ProfileEngine engine) {
            this.engine = Objects.requireNonNull(engine, "engine");
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

        /** A setting of the producer the processor creates, over the defaults. */
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

        /** The first wait before retrying a batch the store failed; default 50 ms, doubling. */
        public Builder retryBackoff(Duration backoff) {
            this.retryBackoff = positive(backoff, "retryBackoff");
            return this;
        }

        /** The longest wait between retries; default 2 s. */
        public Builder maxRetryBackoff(Duration backoff) {
            this.maxRetryBackoff = positive(backoff, "maxRetryBackoff");
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
