package io.profilekit.kafka;

import io.profilekit.Event;
import io.profilekit.EventLimits;
import io.profilekit.InvalidEventException;
import io.profilekit.JsonEventCodec;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KafkaEventPublisherTest {
    final MockProducer<String, byte[]> producer = new MockProducer<>(false, null, new StringSerializer(),
            new ByteArraySerializer());
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-28T11:00:00Z"), ZoneOffset.UTC);
    final KafkaEventPublisher publisher = KafkaEventPublisher.builder().producer(producer).clock(CLOCK).build();

    static Event view(String user) {
        return Event.of(user, "page_view").at(Instant.parse("2026-11-28T10:00:00Z")).with("url", "/shoes");
    }

    @Test
    void keysByUserRoutesByTypeAndSendsCoreJson() {
        Event order = Event.of("u2", "purchase").at(Instant.parse("2026-11-28T10:00:00Z")).with("order_id", "o-1")
                .with("amount", new BigDecimal("9.50")).with("currency", "EUR");
        publisher.publish(view("u1"));
        publisher.publish(order);
        assertThat(producer.history()).extracting(ProducerRecord::topic).containsExactly("user-events", "purchase-data");
        assertThat(producer.history()).extracting(ProducerRecord::key).containsExactly("u1", "u2");
        Event decoded = JsonEventCodec.create().decode(producer.history().get(1).value());
        assertThat(decoded.eventId()).isEqualTo(order.eventId());
        assertThat(decoded.decimal("amount")).isEqualByComparingTo("9.50");
    }

    @Test
    void routesAreConfigurable() {
        KafkaEventPublisher custom = KafkaEventPublisher.builder().producer(producer).clock(CLOCK).defaultTopic("clicks")
                .route("page_view", "views").build();
        custom.publish(view("u1"));
        custom.publish(Event.of("u1", "click").at(CLOCK.instant()).with("element", "buy"));
        assertThat(producer.history()).extracting(ProducerRecord::topic).containsExactly("views", "clicks");
        assertThat(custom.topics()).containsExactly("clicks", "purchase-data", "views");
    }

    @Test
    void theFutureCompletesOnTheAcknowledgementOnly() {
        CompletableFuture<RecordMetadata> f = publisher.publish(view("u1"));
        assertThat(f).isNotDone();
        producer.completeNext();
        assertThat(f.join().topic()).isEqualTo("user-events");
    }

    @Test
    void aSendFailureCompletesTheFutureExceptionally() {
        CompletableFuture<RecordMetadata> f = publisher.publish(view("u1"));
        producer.errorNext(new TimeoutException("broker unreachable"));
        assertThatThrownBy(f::join).isInstanceOf(CompletionException.class).hasCauseInstanceOf(TimeoutException.class);
    }

    @Test
    void anInvalidEventFailsWithEveryViolationAndIsNotSent() {
        CompletableFuture<RecordMetadata> f = publisher.publish(Event.of("u1", "purchase").at(CLOCK.instant())
                .with("amount", "abc"));
        assertThatThrownBy(f::join).cause().isInstanceOfSatisfying(InvalidEventException.class, e ->
                assertThat(e.violations()).extracting(v -> v.field())
                        .containsExactly("purchase.order_id", "purchase.amount", "purchase.currency"));
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void anEventEncodedBeyondMaxEventBytesFailsWithItsSizeAndIsNotSent() {
        // every string and property is within its own limit, but the JSON is larger than a consumer
        // with the same limits accepts: it would only become a dead letter after a successful send
        KafkaEventPublisher small = KafkaEventPublisher.builder().producer(producer).clock(CLOCK)
                .limits(EventLimits.defaults().withMaxEventBytes(1024)).build();
        Event big = Event.of("u1", "page_view").at(Instant.parse("2026-11-28T10:00:00Z")).with("url", "/" + "a".repeat(2000));
        CompletableFuture<RecordMetadata> f = small.publish(big);
        assertThat(producer.history()).isEmpty();
        assertThat(f).isCompletedExceptionally();
        assertThatThrownBy(f::join).cause().isInstanceOfSatisfying(InvalidEventException.class, e ->
                assertThat(e.violations()).singleElement().satisfies(v -> {
                    assertThat(v.field()).isEqualTo("event");
                    assertThat(v.message()).contains("1024").contains(Integer.toString(
                            JsonEventCodec.create().encode(big).length));
                }));
        // a small event is sent
        assertThat(small.publish(view("u1"))).isNotDone();
        assertThat(producer.history()).hasSize(1);
    }

    @Test
    void aGivenProducerIsNeverClosedAnOwnedOneIs() {
        publisher.close();
        assertThat(producer.closed()).isFalse();

        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:9");
        KafkaEventPublisher owning = KafkaEventPublisher.builder().properties(p).clock(CLOCK).build();
        owning.close();
        assertThatThrownBy(() -> owning.publish(view("u1")).join()).hasRootCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void defaultsAreSafeAndOverridable() {
        Properties defaults = KafkaEventPublisher.producerConfig(new Properties());
        assertThat(defaults).containsEntry("enable.idempotence", "true").containsEntry("acks", "all")
                .containsEntry("linger.ms", "5").containsEntry("max.block.ms", "5000");
        Properties mine = new Properties();
        mine.put("linger.ms", "0");
        assertThat(KafkaEventPublisher.producerConfig(mine)).containsEntry("linger.ms", "0").containsEntry("acks", "all");
        // settings held in a Properties' defaults count too, and values that are not strings are kept
        Properties base = new Properties();
        base.put("linger.ms", "2");
        base.put("compression.type", "zstd");
        Properties chained = new Properties(base);
        chained.put("compression.type", "none");
        chained.put("partitioner.class", org.apache.kafka.clients.producer.RoundRobinPartitioner.class);
        assertThat(KafkaEventPublisher.producerConfig(chained)).containsEntry("linger.ms", "2")
                .containsEntry("compression.type", "none")
                .containsEntry("partitioner.class", org.apache.kafka.clients.producer.RoundRobinPartitioner.class);
    }

    @Test
    void oneProducerSourceMustBeGiven() {
        assertThatThrownBy(() -> KafkaEventPublisher.builder().build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exactly one");
    }
}
