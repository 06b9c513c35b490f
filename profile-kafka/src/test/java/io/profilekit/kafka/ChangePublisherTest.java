package io.profilekit.kafka;

import io.profilekit.ProfileChange;
import io.profilekit.ProfileChange.AttributeChange;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

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
}
