package io.profilekit.kafka;

import io.profilekit.ProfileChange;
import io.profilekit.ProfileChange.AttributeChange;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChangePublisherTest {
    private static ProfileChange change(String user, long version) {
        return new ProfileChange(user, version, List.of(
                new AttributeChange("page_views", Optional.of(version - 1), Optional.of(version))),
                List.of("e-" + user + "-" + version));
    }

    @Test
    void closePublishesEverythingQueuedInQueueOrderWithTheSameBytesAsEncode() {
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        AtomicLong published = new AtomicLong();
        List<ProfileChange> sent = new ArrayList<>();
        // a queue much smaller than what is sent: the caller waits instead of dropping
        try (ChangePublisher publisher = new ChangePublisher(producer, "updates", 8, published, "test-updates")) {
            for (int v = 1; v <= 2_000; v++) {
                ProfileChange c = change("u" + (v % 7), v);
                sent.add(c);
                publisher.onChange(c);
            }
        }
        List<ProducerRecord<String, byte[]>> history = producer.history();
        assertThat(history).hasSize(sent.size());
        assertThat(published.get()).isEqualTo(sent.size());
        for (int i = 0; i < sent.size(); i++) {
            assertThat(history.get(i).topic()).isEqualTo("updates");
            assertThat(history.get(i).key()).isEqualTo(sent.get(i).userId());
            assertThat(history.get(i).value()).isEqualTo(ChangeRecords.encode(sent.get(i)));
        }
    }

    /** A producer whose sends wait until {@link #release}, telling when the first one started. */
    static final class StalledProducer extends MockProducer<String, byte[]> {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        StalledProducer() {
            super(true, null, new StringSerializer(), new ByteArraySerializer());
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return super.send(record, callback);
        }
    }

    @Test
    void onceARecordWaitedInVainTheNextFailAtOnceUntilThereIsRoomAgain() throws Exception {
        StalledProducer producer = new StalledProducer();
        AtomicLong published = new AtomicLong();
        List<ProfileChange> queued = new ArrayList<>();
        try (ChangePublisher publisher = new ChangePublisher(producer, "updates", 2, published, "test-updates",
                Duration.ofMillis(50))) {
            queued.add(change("u1", 1));
            publisher.onChange(queued.get(0));
            assertThat(producer.entered.await(30, TimeUnit.SECONDS)).as("the publisher took the first").isTrue();
            queued.add(change("u2", 2));
            queued.add(change("u3", 3));
            queued.forEach(c -> {
                if (c.version() > 1) {
                    publisher.onChange(c); // fills the queue
                }
            });
            assertThatThrownBy(() -> publisher.onChange(change("u4", 4))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("queue full for 50 ms").hasMessageContaining("u4");
            assertThatThrownBy(() -> publisher.onChange(change("u5", 5))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("still full").hasMessageContaining("u5");

            producer.release.countDown();
            ProfileChange sixth = change("u6", 6);
            Await.await(Duration.ofSeconds(30), () -> {
                try {
                    publisher.onChange(sixth);
                    return true;
                } catch (IllegalStateException stillFull) {
                    return false;
                }
            }, () -> "the queue never had room again");
            queued.add(sixth);
            ProfileChange seventh = change("u7", 7);
            publisher.onChange(seventh); // waits again as usual
            queued.add(seventh);
        }
        assertThat(producer.history()).extracting(ProducerRecord::key).containsExactly("u1", "u2", "u3", "u6", "u7");
        assertThat(published.get()).isEqualTo(5);
    }
}
