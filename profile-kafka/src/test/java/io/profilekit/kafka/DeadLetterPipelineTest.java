package io.profilekit.kafka;

import io.profilekit.InMemoryProfileStore;
import io.profilekit.JsonEventCodec;
import io.profilekit.ProfileEngine;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static io.profilekit.kafka.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dead letters against a real KRaft broker that creates no topic on its own: while the dead-letter
 * topic is missing, the invalid record's partition pauses and its offset is not committed past it.
 */
class DeadLetterPipelineTest extends PipelineTestBase {
    private static final byte[] BAD_JSON = "{\"userId\":\"dee\",\"type\":".getBytes(StandardCharsets.UTF_8);

    String deadLetterTopic;

    /** A page view at offset 0, an invalid record at 1, a page view at 2, all for {@code dee} on partition 0. */
    void publishAroundAnInvalidRecord(TestInfo info) throws Exception {
        newTopic(info, 1);
        deadLetterTopic = "dlq-" + topic;
        KafkaProducer<String, byte[]> raw = rawProducer();
        JsonEventCodec codec = JsonEventCodec.create();
        raw.send(new ProducerRecord<>(topic, "dee", codec.encode(view("dee", 1)))).get();
        raw.send(new ProducerRecord<>(topic, "dee", BAD_JSON)).get();
        raw.send(new ProducerRecord<>(topic, "dee", codec.encode(view("dee", 2)))).get();
    }

    /** A processor whose producer gives up on the missing topic's metadata after 300 ms. */
    KafkaProfileProcessor.Builder processorOfMissingTopic(ProfileEngine engine) {
        return processor(engine).deadLetterTopic(deadLetterTopic)
                .producerProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG, 300)
                .retryBackoff(Duration.ofMillis(20)).maxRetryBackoff(Duration.ofMillis(200));
    }

    /** The group's committed offset of partition 0, if any. */
    OptionalLong committed() {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            OffsetAndMetadata o = offsets.get(new TopicPartition(topic, 0));
            return o == null ? OptionalLong.empty() : OptionalLong.of(o.offset());
        } catch (Exception e) {
            throw new IllegalStateException("reading the group's offsets failed", e);
        }
    }

    void createDeadLetterTopic() throws Exception {
        admin.createTopics(List.of(new NewTopic(deadLetterTopic, 1, (short) 1))).all().get();
        awaitLeaders(deadLetterTopic);
    }

    long deadLetterTopicEnd() throws Exception {
        TopicPartition tp = new TopicPartition(deadLetterTopic, 0);
        Map<TopicPartition, ListOffsetsResultInfo> end = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get();
        return end.get(tp).offset();
    }

    @Test
    void aDeadLetterWaitsForItsTopicWithTheOffsetUncommittedAndArrivesOnceTheTopicExists(TestInfo info)
            throws Exception {
        publishAroundAnInvalidRecord(info);
        ProfileEngine engine = engine(closing(new InMemoryProfileStore()));
        KafkaProfileProcessor processor = started(processorOfMissingTopic(engine));

        await(WAIT, () -> processor.metrics().deadLetterFailures() >= 2 && processor.metrics().applied() == 2
                && processor.metrics().paused(), () -> processor.metrics().toString());
        publisher().publish(view("dee", 3)).join();
        long failuresSoFar = processor.metrics().deadLetterFailures();
        await(WAIT, () -> processor.metrics().deadLetterFailures() >= failuresSoFar + 2,
                () -> processor.metrics().toString());
        assertThat(committed()).as("never past the invalid record at offset 1").satisfies(c ->
                assertThat(c.orElse(0)).isLessThanOrEqualTo(1));
        ProcessorMetrics waiting = processor.metrics();
        assertThat(waiting.applied()).as("the partition waits: the page view published meanwhile is not read")
                .isEqualTo(2);
        assertThat(waiting.deadLettered()).isZero();
        assertThat(waiting.paused()).isTrue();
        assertThat(waiting.revocations()).as("still in the group").isZero();
        assertThat(processor.isRunning()).isTrue();

        createDeadLetterTopic();
        await(WAIT, () -> processor.metrics().deadLettered() == 1 && processor.metrics().applied() == 3,
                () -> processor.metrics().toString());
        await(WAIT, () -> committed().equals(OptionalLong.of(4)), () -> "committed " + committed());
        List<ConsumerRecord<String, byte[]>> letters = readAll(deadLetterTopic, r -> true, 1);
        assertThat(letters).singleElement().satisfies(l -> {
            assertThat(l.value()).isEqualTo(BAD_JSON);
            assertThat(DeadLetters.header(l.headers(), DeadLetters.ORIGINAL_OFFSET)).contains("1");
            assertThat(DeadLetters.header(l.headers(), DeadLetters.ORIGINAL_TOPIC)).contains(topic);
        });
        assertThat(deadLetterTopicEnd()).as("sent once").isEqualTo(1);
        assertThat(processor.metrics().paused()).isFalse();
        assertThat(pageViews(engine, "dee")).isEqualTo(3);
    }

    @Test
    void closedWhileTheDeadLetterTopicIsMissingTheRecordsAreReadAgainAndDeadLetteredOnceItExists(TestInfo info)
            throws Exception {
        publishAroundAnInvalidRecord(info);
        InMemoryProfileStore store = closing(new InMemoryProfileStore());
        ProfileEngine engine = engine(store);
        KafkaProfileProcessor first = processorOfMissingTopic(engine).build().start();
        await(WAIT, () -> first.metrics().deadLetterFailures() >= 2 && first.metrics().applied() == 2,
                () -> first.metrics().toString());
        first.close();
        assertThat(first.failure()).isEmpty();
        OptionalLong atClose = committed();
        assertThat(atClose.orElse(0)).as("not committed past the invalid record").isLessThanOrEqualTo(1);
        assertThat(first.metrics().deadLettered()).isZero();

        createDeadLetterTopic();
        ProfileEngine again = engine(store);
        KafkaProfileProcessor second = started(processorOfMissingTopic(again));
        await(WAIT, () -> second.metrics().deadLettered() == 1 && committed().equals(OptionalLong.of(3)),
                () -> second.metrics() + " committed " + committed());
        long reread = atClose.orElse(0) == 0 ? 2 : 1; // the page views at or after the committed offset
        assertThat(second.metrics().duplicates()).as("read again and skipped by their fences").isEqualTo(reread);
        assertThat(second.metrics().applied()).isZero();
        assertThat(second.metrics().records()).isEqualTo(3 - atClose.orElse(0));
        assertThat(deadLetterTopicEnd()).isEqualTo(1);
        assertThat(pageViews(again, "dee")).isEqualTo(2);
    }
}
