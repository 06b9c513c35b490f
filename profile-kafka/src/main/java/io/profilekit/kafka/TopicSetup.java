package io.profilekit.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates ProfileKit's topics if they are missing; idempotent, so every instance may run it at
 * start-up. Existing topics are left as they are.
 *
 * <ul>
 *   <li>{@code user-events}, {@code purchase-data}: the events, partitioned by user;</li>
 *   <li>{@code profile-updates}: one change record per changed profile, compacted by user id;</li>
 *   <li>{@code user-events.dlq}: invalid events with the reason, kept 14 days by default;</li>
 *   <li>{@code user-events.late}: events behind the watermark (for a side-output policy).</li>
 * </ul>
 *
 * <pre>{@code
 * try (Admin admin = Admin.create(Map.of("bootstrap.servers", "127.0.0.1:9092"))) {
 *     TopicSetup.builder().partitions(12).replicationFactor((short) 3).build().apply(admin);
 * }
 * }</pre>
 *
 * <p>{@link #apply(Admin)} never closes the admin client it is given.
 */
public final class TopicSetup {
    /** The default dead-letter topic. */
    public static final String DEAD_LETTERS = "user-events.dlq";
    /** The default topic of change records. */
    public static final String PROFILE_UPDATES = "profile-updates";
    /** The default topic of late events. */
    public static final String LATE_EVENTS = "user-events.late";

    private final int partitions;
    private final short replicationFactor;
    private final Duration deadLetterRetention;
    private final Optional<Integer> maxMessageBytes;
    private final List<String> eventTopics;

    private TopicSetup(Builder b) {
        this.partitions = b.partitions;
        this.replicationFactor = b.replicationFactor;
        this.deadLetterRetention = b.deadLetterRetention;
        this.maxMessageBytes = b.maxMessageBytes;
        this.eventTopics = List.copyOf(b.eventTopics);
    }

    /** A builder. Mutable and not thread-safe. */
    public static Builder builder() {
        return new Builder();
    }

    /** The topics this setup creates, with their settings, by name. */
    public Map<String, NewTopic> topics() {
        Map<String, NewTopic> out = new LinkedHashMap<>();
        for (String t : eventTopics) {
            out.put(t, topic(t, Map.of()));
        }
        out.put(PROFILE_UPDATES, topic(PROFILE_UPDATES, Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        out.put(DEAD_LETTERS, topic(DEAD_LETTERS, Map.of(
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(deadLetterRetention.toMillis()))));
        out.put(LATE_EVENTS, topic(LATE_EVENTS, Map.of()));
        return out;
    }

    /**
     * Creates each missing topic and waits for the broker's answer.
     *
     * @return the names of the topics created now (the others existed already)
     * @throws IllegalStateException when the broker refused or did not answer within 30 s
     */
    public List<String> apply(Admin admin) {
        Map<String, NewTopic> wanted = topics();
        List<String> created = new ArrayList<>();
        var result = admin.createTopics(wanted.values());
        for (var e : result.values().entrySet()) {
            try {
                e.getValue().get(30, TimeUnit.SECONDS);
                created.add(e.getKey());
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("creating topic " + e.getKey() + " failed: " + ex.getCause(), ex.getCause());
                }
            } catch (TimeoutException ex) {
                throw new IllegalStateException("creating topic " + e.getKey() + ": no answer within 30 s", ex);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while creating topic " + e.getKey(), ex);
            }
        }
        return created;
    }

    /** Creates the topics with a short-lived admin client on {@code bootstrapServers}. */
    public List<String> apply(String bootstrapServers) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, Objects.requireNonNull(bootstrapServers, "bootstrapServers"));
        try (Admin admin = Admin.create(p)) {
            return apply(admin);
        }
    }

    private NewTopic topic(String name, Map<String, String> configs) {
        Map<String, String> all = new LinkedHashMap<>(configs);
        maxMessageBytes.ifPresent(m -> all.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(m)));
        return new NewTopic(name, partitions, replicationFactor).configs(all);
    }

    /** Builds a {@link TopicSetup}. Mutable and not thread-safe. */
    public static final class Builder {
        private int partitions = 6;
        private short replicationFactor = 1;
        private Duration deadLetterRetention = Duration.ofDays(14);
        private Optional<Integer> maxMessageBytes = Optional.empty();
        private final List<String> eventTopics = new ArrayList<>(List.of(
                KafkaEventPublisher.USER_EVENTS, KafkaEventPublisher.PURCHASE_DATA));

        private Builder() {
        }

        /** Partitions of every topic (default 6): the most consumers that can share the work. */
        public Builder partitions(int partitions) {
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
            }
            this.partitions = partitions;
            return this;
        }

        /** Replicas of every topic; default 1 (a single broker), use 3 in production. */
        public Builder replicationFactor(short replicationFactor) {
            if (replicationFactor < 1) {
                throw new IllegalArgumentException("replicationFactor must be at least 1, got " + replicationFactor);
            }
            this.replicationFactor = replicationFactor;
            return this;
        }

        /** How long dead letters are kept; default 14 days. */
        public Builder deadLetterRetention(Duration retention) {
            if (retention.isNegative() || retention.isZero()) {
                throw new IllegalArgumentException("deadLetterRetention must be positive, got " + retention);
            }
            this.deadLetterRetention = retention;
            return this;
        }

        /**
         * The largest record batch every topic accepts ({@code max.message.bytes}); default the
         * broker's. Raise it to see oversized events land in the dead-letter topic rather than be
         * refused to the producer.
         */
        public Builder maxMessageBytes(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("maxMessageBytes must be at least 1024, got " + bytes);
            }
            this.maxMessageBytes = Optional.of(bytes);
            return this;
        }

        /** The event topics; default {@code user-events} and {@code purchase-data}. */
        public Builder eventTopics(List<String> topics) {
            if (topics.isEmpty()) {
                throw new IllegalArgumentException("eventTopics must not be empty");
            }
            this.eventTopics.clear();
            this.eventTopics.addAll(topics);
            return this;
        }

        public TopicSetup build() {
            return new TopicSetup(this);
        }
    }
}
