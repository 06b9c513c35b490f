package io.profilekit.kafka;

import io.profilekit.Event;
import io.profilekit.JsonEventCodec;
import io.profilekit.LateEventHandler;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@link io.profilekit.LatePolicy#SIDE_OUTPUT} handler for Kafka: sends each late event, as
 * core's JSON keyed by user id, to {@code user-events.late}, with headers naming its source
 * partition ({@code profilekit.source}) and the watermark it was behind
 * ({@code profilekit.watermark}, ISO-8601).
 *
 * <pre>{@code
 * ProfileEngine engine = ProfileEngine.builder().reducer(reducer).store(store)
 *         .lateEventHandler(new LateEventsToKafka(producer, TopicSetup.LATE_EVENTS)).build();
 * }</pre>
 *
 * <p>Core hands an event at least once (a retried batch may hand it again). Sends are asynchronous;
 * a failed send is logged. Never closes the producer: its owner does.
 */
public final class LateEventsToKafka implements LateEventHandler {
    /** The header naming the late event's source, such as {@code user-events-3}. */
    public static final String SOURCE = "profilekit.source";
    /** The header holding the watermark the event was behind. */
    public static final String WATERMARK = "profilekit.watermark";

    private static final Logger log = LoggerFactory.getLogger(LateEventsToKafka.class);
    private final Producer<String, byte[]> producer;
    private final String topic;
    private final JsonEventCodec codec = JsonEventCodec.create();

    public LateEventsToKafka(Producer<String, byte[]> producer, String topic) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.topic = Objects.requireNonNull(topic, "topic");
    }

    @Override
    public void onLateEvent(Event event, Optional<String> source, Instant watermark) {
        RecordHeaders headers = new RecordHeaders();
        source.ifPresent(s -> headers.add(SOURCE, s.getBytes(StandardCharsets.UTF_8)));
        headers.add(WATERMARK, watermark.toString().getBytes(StandardCharsets.UTF_8));
        producer.send(new ProducerRecord<>(topic, null, event.userId(), codec.encode(event), headers), (m, e) -> {
            if (e != null) {
                log.warn("late event {} of user {} not sent to {}: {}", event.eventId(), event.userId(), topic, e.toString());
            }
        });
    }
}
