package io.profilekit.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

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
import java.util.concurrent.locks.LockSupport;

/**
 * Creates ProfileKit's topics if they are missing; idempotent, so every instance may run it at
 * start-up. Existing topics are left as they are, but one whose cleanup policy contradicts its use
 * is refused: {@code profile-updates} must be compacted, the other topics must not be.
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
     * @throws IllegalStateException when the broker refused or did not answer within 30 s, or when an
     *                               existing topic's {@code cleanup.policy} contradicts its use (the
     *                               message names the topic and its policy; the missing topics are
     *                               created all the same)
     */
    public List<String> apply(Admin admin) {
        Map<String, NewTopic> wanted = topics();
        List<String> created = new ArrayList<>();
        List<String> existing = new ArrayList<>();
        var result = admin.createTopics(wanted.values());
        for (var e : result.values().entrySet()) {
            try {
                e.getValue().get(30, TimeUnit.SECONDS);
                created.add(e.getKey());
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("creating topic " + e.getKey() + " failed: " + ex.getCause(), ex.getCause());
                }
                existing.add(e.getKey());
            } catch (TimeoutException ex) {
                throw new IllegalStateException("creating topic " + e.getKey() + ": no answer within 30 s", ex);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while creating topic " + e.getKey(), ex);
            }
        }
        checkCleanupPolicies(admin, existing);
        return created;
    }

    /**
     * Refuses existing topics whose cleanup policy contradicts their use: {@code profile-updates}
     * must be compacted (its newest record per user is the point), and the others must not be
     * (compaction would keep only the newest event or dead letter of each user).
     */
    private static void checkCleanupPolicies(Admin admin, List<String> existing) {
        if (existing.isEmpty()) {
            return;
        }
        List<ConfigResource> resources = existing.stream()
                .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
        Map<ConfigResource, Config> configs = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (configs == null) {
            try {
                configs = admin.describeConfigs(resources).all().get(
                        Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException ex) {
                // a topic another instance created a moment ago may not be known yet to the broker asked
                if (!(ex.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("reading the settings of topics " + existing + " failed: "
                            + ex.getCause(), ex.getCause());
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            } catch (TimeoutException ex) {
                throw new IllegalStateException("reading the settings of topics " + existing + ": no answer within 30 s", ex);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading the settings of topics " + existing, ex);
            }
        }
        List<String> problems = new ArrayList<>();
        for (ConfigResource r : resources) {
            ConfigEntry entry = configs.get(r).get(TopicConfig.CLEANUP_POLICY_CONFIG);
            String policy = entry == null || entry.value() == null ? TopicConfig.CLEANUP_POLICY_DELETE : entry.value();
            boolean compacted = List.of(policy.split(",")).stream().map(String::trim)
                    .anyMatch(TopicConfig.CLEANUP_POLICY_COMPACT::equals);
            if (r.name().equals(PROFILE_UPDATES) && !compacted) {
                problems.add("topic " + r.name() + " exists with cleanup.policy=" + policy + ", but its change records "
                        + "must be compacted (cleanup.policy=compact)");
            } else if (!r.name().equals(PROFILE_UPDATES) && compacted) {
                problems.add("topic " + r.name() + " exists with cleanup.policy=" + policy + ", but compaction would "
                        + "keep only the newest record of each user (cleanup.policy=delete)");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("; ", problems));
        }
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
