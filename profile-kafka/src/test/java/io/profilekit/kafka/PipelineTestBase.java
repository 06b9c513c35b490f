package io.profilekit.kafka;

import io.profilekit.Event;
import io.profilekit.ProfileEngine;
import io.profilekit.ProfileReducer;
import io.profilekit.redis.RedisProfileStore;
import io.profilekit.redis.TestRedis;
import io.profilekit.spi.ProfileStore;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInfo;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import static io.profilekit.kafka.Await.await;

/**
 * What the tests against a real KRaft broker in this JVM (and an embedded Redis) share: the broker,
 * Redis and admin client of the test class, a topic and group per test, and helpers to publish and
 * count page views. Each subclass gets its own broker.
 */
abstract class PipelineTestBase {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final ProfileReducer REDUCER = ProfileReducer.builder()
            .on("page_view", (e, p) -> p.increment("page_views").set("last_url", e.string("url")))
            .on("purchase", (e, p) -> p.increment("purchases").add("lifetime_value", e.decimal("amount")))
            .build();

    static TestBroker broker;
    static Admin admin;
    static TestRedis redis;

    final List<AutoCloseable> closeAfter = new ArrayList<>();
    String topic;
    String group;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start();
        redis = TestRedis.start();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
        TopicSetup.builder().partitions(3).build().apply(admin);
        TopicSetup.builder().build().topics().keySet().forEach(PipelineTestBase::awaitLeaders);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        admin.close();
        broker.close();
        redis.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
    }

    /** Each test reads its own event topic with its own group, so tests do not see each other's events. */
    void newTopic(TestInfo info, int partitions) throws Exception {
        topic = "events-" + info.getTestMethod().orElseThrow().getName();
        group = "group-" + topic;
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        awaitLeaders(topic);
    }

    /**
     * A producer racing a new topic's leader election can get its batches out of order; wait for the
     * leaders, and until each answers for its partition.
     */
    static void awaitLeaders(String topic) {
        await(WAIT, () -> {
            try {
                var partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions();
                if (!partitions.stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                    return false;
                }
                // the leader also serves the partition (its replica manager knows it), not only the metadata
                Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest =
                        new java.util.HashMap<>();
                partitions.forEach(p -> latest.put(new org.apache.kafka.common.TopicPartition(topic, p.partition()),
                        org.apache.kafka.clients.admin.OffsetSpec.latest()));
                admin.listOffsets(latest).all().get();
                return true;
            } catch (Exception e) {
                return false;
            }
        });
    }

    <T extends AutoCloseable> T closing(T c) {
        closeAfter.add(c);
        return c;
    }

    /** A store on the shared Redis, through its own client, with keys of this test only. */
    RedisProfileStore redisStore() {
        return RedisProfileStore.builder(closing(redis.client())).keyPrefix(topic + ":").build();
    }

    ProfileEngine engine(ProfileStore store) {
        return closing(ProfileEngine.builder().reducer(REDUCER).store(store).build());
    }

    KafkaProfileProcessor.Builder processor(ProfileEngine engine) {
        return KafkaProfileProcessor.builder().bootstrapServers(broker.bootstrapServers()).groupId(group)
                .topics(List.of(topic)).engine(engine);
    }

    KafkaProfileProcessor started(KafkaProfileProcessor.Builder b) {
        return closing(b.build()).start();
    }

    KafkaEventPublisher publisher() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        return closing(KafkaEventPublisher.builder().properties(p).defaultTopic(topic).route("purchase", topic).build());
    }

    KafkaProducer<String, byte[]> rawProducer() {
        return closing(new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20), new StringSerializer(), new ByteArraySerializer()));
    }

    static Event view(String user, int n) {
        return Event.of(user, "page_view").at(Instant.now().minusSeconds(600).plusMillis(n)).with("url", "/p/" + n);
    }

    /** Publishes {@code count} page views over {@code users} users; returns the count per user. */
    static Map<String, Long> publishViews(KafkaEventPublisher publisher, String prefix, int users, int count) {
        Map<String, Long> perUser = new HashMap<>();
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String user = prefix + (i * 7 % users);
            acks.add(publisher.publish(view(user, i)));
            perUser.merge(user, 1L, Long::sum);
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
        return perUser;
    }

    static long pageViews(ProfileEngine engine, String user) {
        return engine.get(user).flatMap(p -> p.getLong("page_views")).orElse(0L);
    }

    static Map<String, Long> pageViews(ProfileEngine engine, Iterable<String> users) {
        Map<String, Long> out = new HashMap<>();
        List<String> ids = new ArrayList<>();
        users.forEach(ids::add);
        engine.getAll(ids).forEach((u, p) -> out.put(u, p.getLong("page_views").orElse(0L)));
        return out;
    }

    /** Reads {@code topic} from the start until {@code count} records match. */
    static List<ConsumerRecord<String, byte[]>> readAll(String topic, Predicate<ConsumerRecord<String, byte[]>> match,
                                                        int count) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + System.nanoTime());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            await(WAIT, () -> {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                    if (match.test(r)) {
                        out.add(r);
                    }
                }
                return out.size() >= count;
            });
        }
        out.sort((x, y) -> Long.compare(x.offset(), y.offset()));
        return out;
    }
}
