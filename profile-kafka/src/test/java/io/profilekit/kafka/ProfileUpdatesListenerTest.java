package io.profilekit.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import static io.profilekit.kafka.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** {@link ProfileUpdatesListener} against a real broker. */
class ProfileUpdatesListenerTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    static TestBroker broker;
    static Admin admin;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    @AfterAll
    static void stopBroker() {
        admin.close();
        broker.close();
    }

    static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
    }

    @Test
    void aListenerStartedBeforeItsTopicExistsWaitsForItAndThenHearsItsRecords() throws Exception {
        String topic = "updates-created-later";
        Queue<String> heard = new ConcurrentLinkedQueue<>();
        try (ProfileUpdatesListener listener = ProfileUpdatesListener.builder().bootstrapServers(broker.bootstrapServers())
                .topic(topic).onUpdate(heard::add).build().start();
             KafkaProducer<String, byte[]> producer = producer()) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
            // written after start(), whether the listener has found the topic yet or not
            producer.send(new ProducerRecord<>(topic, "u0", "{}".getBytes(StandardCharsets.UTF_8))).get();
            await(WAIT, listener::ready, () -> "the listener never got the topic's partitions");
            producer.send(new ProducerRecord<>(topic, "u1", "{}".getBytes(StandardCharsets.UTF_8))).get();
            await(WAIT, () -> heard.containsAll(List.of("u0", "u1")), () -> "heard only " + heard);
            assertThat(listener.updatesSeen()).isEqualTo(2);
        }
    }

    @Test
    void partitionsAddedToTheTopicAreReadToo() throws Exception {
        String topic = "updates-growing";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        Queue<String> heard = new ConcurrentLinkedQueue<>();
        try (ProfileUpdatesListener listener = ProfileUpdatesListener.builder().bootstrapServers(broker.bootstrapServers())
                .topic(topic).onUpdate(heard::add)
                .consumerProperty(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "500") // sees the new partition soon
                .build().start()) {
            await(WAIT, listener::ready, () -> "the listener never got the topic's partitions");
            admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(2))).all().get();
            try (KafkaProducer<String, byte[]> producer = producer()) {
                producer.send(new ProducerRecord<>(topic, 1, "u-new", "{}".getBytes(StandardCharsets.UTF_8))).get();
                producer.send(new ProducerRecord<>(topic, 0, "u-old", "{}".getBytes(StandardCharsets.UTF_8))).get();
            }
            await(WAIT, () -> heard.containsAll(List.of("u-new", "u-old")), () -> "heard only " + heard);
        }
    }
}
