package io.profilekit.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

class DeadLetterSenderTest {
    static final TopicPartition FROM = new TopicPartition("user-events", 3);

    /** A topic that takes records (key, value and headers) up to {@code limit} bytes, refusing larger ones as Kafka does. */
    static final class LimitedProducer extends MockProducer<String, byte[]> {
        final int limit;
        final boolean throwing;

        LimitedProducer(int limit, boolean throwing) {
            super(true, null, new StringSerializer(), new ByteArraySerializer());
            this.limit = limit;
            this.throwing = throwing;
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
            int size = (record.value() == null ? 0 : record.value().length)
                    + (record.key() == null ? 0 : record.key().length());
            for (Header h : record.headers()) {
                size += h.key().length() + (h.value() == null ? 0 : h.value().length);
            }
            if (size > limit) {
                RecordTooLargeException e = new RecordTooLargeException("The message is " + size
                        + " bytes when serialized which is larger than the topic's limit (test)");
                if (throwing) {
                    throw e;
                }
                return CompletableFuture.failedFuture(e);
            }
            return super.send(record, callback);
        }
    }

    @ParameterizedTest(name = "refused by {0}")
    @ValueSource(strings = {"a failed future", "a throwing send"})
    void aLetterTooLargeForTheTopicIsSentWithoutItsValueAndSaysSo(String how) {
        LimitedProducer producer = new LimitedProducer(1500, how.contains("throwing"));
        DeadLetterSender sender = new DeadLetterSender(producer);
        ConsumerRecord<String, byte[]> big = new ConsumerRecord<>(FROM.topic(), FROM.partition(), 41, "u1", new byte[5000]);
        ConsumerRecord<String, byte[]> small = new ConsumerRecord<>(FROM.topic(), FROM.partition(), 42, "u2", "{}".getBytes());
        List<DeadLetterSender.Letter> owed = new ArrayList<>(List.of(
                new DeadLetterSender.Letter(FROM, DeadLetters.of("user-events.dlq", big, "event: larger than 4096 bytes")),
                new DeadLetterSender.Letter(FROM, DeadLetters.of("user-events.dlq", small, "eventId: missing"))));

        assertThat(sender.send(owed)).as("the first attempt leaves the large letter owed").isFalse();
        assertThat(owed).as("refused for its size only: the letter after it is sent all the same").hasSize(1);
        assertThat(sender.send(owed)).isTrue();

        assertThat(owed).isEmpty();
        assertThat(sender.valuesDropped()).isEqualTo(1);
        assertThat(sender.acknowledged()).isEqualTo(2);
        assertThat(sender.failures()).isEqualTo(1);
        List<ProducerRecord<String, byte[]>> sent = producer.history();
        assertThat(sent).hasSize(2);
        ProducerRecord<String, byte[]> reduced = sent.get(1);
        assertThat(reduced.key()).isEqualTo("u1");
        assertThat(reduced.value()).isNull();
        assertThat(DeadLetters.header(reduced.headers(), DeadLetters.VALUE_DROPPED))
                .contains("5000 bytes, more than the dead-letter topic takes");
        assertThat(DeadLetters.header(reduced.headers(), DeadLetters.ORIGINAL_OFFSET)).contains("41");
        assertThat(DeadLetters.header(reduced.headers(), DeadLetters.REASON)).contains("event: larger than 4096 bytes");
    }

    @Test
    void aLetterFailingForAnotherReasonKeepsItsValue() {
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer()) {
            int calls;

            @Override
            public synchronized Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
                if (calls++ == 0) {
                    return CompletableFuture.failedFuture(new org.apache.kafka.common.errors.TimeoutException("test"));
                }
                return super.send(record, callback);
            }
        };
        DeadLetterSender sender = new DeadLetterSender(producer);
        ConsumerRecord<String, byte[]> r = new ConsumerRecord<>(FROM.topic(), FROM.partition(), 7, "u", new byte[10]);
        List<DeadLetterSender.Letter> owed = new ArrayList<>(List.of(
                new DeadLetterSender.Letter(FROM, DeadLetters.of("user-events.dlq", r, "bad"))));
        assertThat(sender.send(owed)).isFalse();
        assertThat(sender.send(owed)).isTrue();
        assertThat(producer.history()).singleElement().satisfies(l -> assertThat(l.value()).hasSize(10));
        assertThat(sender.valuesDropped()).isZero();
    }

    @Test
    void aLetterStillTooLargeWithoutAValueGoesWithoutItsKeyAndOwnHeaders() {
        LimitedProducer producer = new LimitedProducer(6000, false);
        DeadLetterSender sender = new DeadLetterSender(producer);
        RecordHeaders own = new RecordHeaders();
        own.add("trace", new byte[3000]);
        own.add("profilekit.trace", new byte[2000]); // named like ProfileKit's, but the record's own
        ConsumerRecord<String, byte[]> keyOnly = new ConsumerRecord<>(FROM.topic(), FROM.partition(), 9, 0L,
                TimestampType.CREATE_TIME, 10_000, 0, "k".repeat(10_000), null, own, Optional.empty());
        List<DeadLetterSender.Letter> owed = new ArrayList<>(List.of(new DeadLetterSender.Letter(FROM,
                DeadLetters.of("user-events.dlq", keyOnly, "value: an event record needs a JSON value, got none"))));

        assertThat(sender.send(owed)).isFalse();
        assertThat(sender.send(owed)).isTrue();

        ProducerRecord<String, byte[]> sent = producer.history().get(0);
        assertThat(producer.history()).hasSize(1);
        assertThat(sent.key()).isNull();
        assertThat(sent.value()).isNull();
        assertThat(sent.headers().lastHeader("trace")).isNull();
        assertThat(sent.headers().lastHeader("profilekit.trace")).isNull();
        assertThat(DeadLetters.header(sent.headers(), DeadLetters.KEY_AND_HEADERS_DROPPED))
                .contains("key 10000 bytes, 2 header(s) of 5021 bytes: more than the dead-letter topic takes");
        assertThat(DeadLetters.header(sent.headers(), DeadLetters.ORIGINAL_OFFSET)).contains("9");
        assertThat(DeadLetters.header(sent.headers(), DeadLetters.REASON))
                .contains("value: an event record needs a JSON value, got none");
        assertThat(sender.valuesDropped()).isEqualTo(1);
        assertThat(DeadLetters.reduced(sent)).as("nothing left to drop").isNull();
    }

    @Test
    void anAttemptStopsAtTheFirstLetterTheProducerFailsAtOnce() {
        List<String> tried = new ArrayList<>();
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer()) {
            @Override
            public synchronized Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
                tried.add(record.key());
                if (tried.size() == 2) {
                    // as after max.block.ms without the topic's metadata
                    return CompletableFuture.failedFuture(new org.apache.kafka.common.errors.TimeoutException(
                            "Topic user-events.dlq not present in metadata after 5000 ms (test)"));
                }
                return super.send(record, callback);
            }
        };
        DeadLetterSender sender = new DeadLetterSender(producer);
        List<DeadLetterSender.Letter> owed = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ConsumerRecord<String, byte[]> r = new ConsumerRecord<>(FROM.topic(), FROM.partition(), i, "u" + i, new byte[1]);
            owed.add(new DeadLetterSender.Letter(FROM, DeadLetters.of("user-events.dlq", r, "bad")));
        }

        assertThat(sender.send(owed)).isFalse();
        assertThat(tried).as("no send after the one that failed at once").containsExactly("u0", "u1");
        assertThat(owed).extracting(l -> l.record().key()).containsExactly("u1", "u2", "u3");
        assertThat(sender.failures()).isEqualTo(1);

        assertThat(sender.send(owed)).isTrue();
        assertThat(tried).containsExactly("u0", "u1", "u1", "u2", "u3");
        assertThat(producer.history()).extracting(ProducerRecord::key).containsExactly("u0", "u1", "u2", "u3");
        assertThat(sender.acknowledged()).isEqualTo(4);
    }
}
