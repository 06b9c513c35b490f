package io.profilekit.kafka;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Tells this instance which profiles other instances changed, by reading {@code profile-updates}:
 * hook a near cache's invalidation to it so cached profiles stay fresh. Opt-in.
 *
 * <pre>{@code
 * try (ProfileUpdatesListener l = ProfileUpdatesListener.builder()
 *         .bootstrapServers("127.0.0.1:9092").onUpdate(nearCache::invalidate).build().start()) {
 *     ...
 * }
 * }</pre>
 *
 * <p>Every instance reads every partition (no consumer group, nothing committed), from the end of
 * the topic as of {@link #start()}; started before the topic exists, it waits for it and then reads
 * it from its beginning, and partitions added to the topic later are read from their beginning once
 * the consumer's metadata shows them ({@code metadata.max.age.ms}, 5 minutes by default). The
 * callback runs on the listener's own thread, once per change record, with the user id; an
 * exception it throws is logged. A change record published by an instance that then crashed
 * before its offset commit is not sent again after the restart, so a cache should also expire
 * entries after a while. Creates and closes its own consumer.
 */
public final class ProfileUpdatesListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProfileUpdatesListener.class);
    /**
     * How long the listener waits before it asks again for a topic that does not exist yet, and
     * between two looks for partitions added to it.
     */
    private static final long RETRY_NANOS = Duration.ofSeconds(1).toNanos();

    private final KafkaConsumer<String, byte[]> consumer;
    private final String topic;
    private final Consumer<String> onUpdate;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long seen;
    private volatile boolean assigned;
    /** Whether the brokers said the topic does not exist (yet); only the listener's thread touches it. */
    private boolean waitedForTopic;

    private ProfileUpdatesListener(Builder b) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.putAll(b.overrides);
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        this.topic = b.topic;
        this.onUpdate = b.onUpdate;
        this.thread = new Thread(this::run, "profilekit-updates-listener");
        this.thread.setDaemon(true);
    }

    /** A builder. Mutable and not thread-safe. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts reading from the end of the topic. */
    public ProfileUpdatesListener start() {
        thread.start();
        return this;
    }

    /** Whether it has been assigned the topic's partitions and positioned on them (see the class Javadoc for where). */
    public boolean ready() {
        return assigned;
    }

    /** How many change records it has handed to the callback. */
    public long updatesSeen() {
        return seen;
    }

    private void run() {
        try {
            List<TopicPartition> tps = partitions();
            if (tps.isEmpty()) {
                return; // closed before the topic was found
            }
            consumer.assign(tps);
            if (waitedForTopic) {
                consumer.seekToBeginning(tps); // all it holds came after start()
            } else {
                consumer.seekToEnd(tps);
            }
            tps.forEach(consumer::position); // resolve the positions now, so that ready() means "from here on"
            assigned = true;
            long nextCheck = System.nanoTime() + RETRY_NANOS;
            while (running) {
                if (System.nanoTime() - nextCheck > 0) {
                    tps = withAddedPartitions(tps);
                    nextCheck = System.nanoTime() + RETRY_NANOS;
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (r.key() == null) {
                        continue;
                    }
                    seen++;
                    try {
                        onUpdate.accept(r.key());
                    } catch (RuntimeException e) {
                        log.error("profile update callback failed for user {}", r.key(), e);
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("profile updates listener stopped", e);
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    /**
     * The topic's partitions, once it exists: until then (or while the brokers do not answer) asks
     * again every second, unless closed meanwhile (then none).
     */
    private List<TopicPartition> partitions() {
        boolean warned = false;
        while (running) {
            List<PartitionInfo> parts;
            try {
                parts = consumer.partitionsFor(topic, Duration.ofSeconds(30));
                if (!parts.isEmpty()) {
                    return parts.stream().map(pi -> new TopicPartition(topic, pi.partition())).toList();
                }
                waitedForTopic = true;
            } catch (TimeoutException e) {
                // no answer: the topic may exist, with records from before start()
            }
            if (!warned) {
                log.warn("topic {} not found (or no broker answered); profile updates are heard once it exists", topic);
                warned = true;
            }
            LockSupport.parkNanos(RETRY_NANOS);
        }
        return List.of();
    }

    /**
     * Adds the partitions the topic gained since {@code current} was assigned, read from their
     * beginning (all they hold came after start()). The consumer's cached metadata tells (refreshed
     * every {@code metadata.max.age.ms}), so this costs no request of its own while the topic exists.
     */
    private List<TopicPartition> withAddedPartitions(List<TopicPartition> current) {
        List<TopicPartition> added;
        try {
            added = consumer.partitionsFor(topic, Duration.ofSeconds(5)).stream()
                    .map(pi -> new TopicPartition(topic, pi.partition())).filter(tp -> !current.contains(tp)).toList();
        } catch (TimeoutException e) {
            return current;
        }
        if (added.isEmpty()) {
            return current;
        }
        List<TopicPartition> all = new ArrayList<>(current);
        all.addAll(added);
        consumer.assign(all); // the partitions kept keep their positions
        consumer.seekToBeginning(added);
        log.info("topic {} gained partitions {}; reading them from their beginning", topic, added);
        return List.copyOf(all);
    }

    /** Stops reading and closes the consumer; waits up to 10 s. */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        LockSupport.unpark(thread);
        if (thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (!thread.isAlive() && thread.getState() == Thread.State.NEW) {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
        }
    }

    /** Builds a {@link ProfileUpdatesListener}. Mutable and not thread-safe. */
    public static final class Builder {
        private String bootstrapServers;
        private String topic = TopicSetup.PROFILE_UPDATES;
        private Consumer<String> onUpdate;
        private final Properties overrides = new Properties();

        private Builder() {
        }

        /** The brokers. Required. */
        public Builder bootstrapServers(String servers) {
            this.bootstrapServers = Objects.requireNonNull(servers, "servers");
            return this;
        }

        /** The change-record topic; default {@code profile-updates}. */
        public Builder topic(String topic) {
            this.topic = Objects.requireNonNull(topic, "topic");
            return this;
        }

        /** Called with the user id of each changed profile. Required. */
        public Builder onUpdate(Consumer<String> onUpdate) {
            this.onUpdate = Objects.requireNonNull(onUpdate, "onUpdate");
            return this;
        }

        /** A consumer setting over the defaults. */
        public Builder consumerProperty(String name, Object value) {
            overrides.put(name, value);
            return this;
        }

        public ProfileUpdatesListener build() {
            Objects.requireNonNull(bootstrapServers, "bootstrapServers is required");
            Objects.requireNonNull(onUpdate, "onUpdate is required");
            return new ProfileUpdatesListener(this);
        }
    }
}
