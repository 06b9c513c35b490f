package io.profilekit.kafka;

import io.profilekit.Event;
import io.profilekit.EventLimits;
import io.profilekit.EventSchemas;
import io.profilekit.EventValidator;
import io.profilekit.InvalidEventException;
import io.profilekit.JsonEventCodec;
import io.profilekit.Violation;
import io.profilekit.internal.EventChecks;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * Sends events to Kafka for a {@link KafkaProfileProcessor} to apply: validates each event, encodes
 * it as core's JSON, keys it by user id (so one user's events stay in order on one partition) and
 * picks the topic by event type: {@code purchase} to {@code purchase-data}, everything else to
 * {@code user-events} by default.
 *
 * <pre>{@code
 * Properties props = new Properties();
 * props.put("bootstrap.servers", "127.0.0.1:9092");
 * try (KafkaEventPublisher publisher = KafkaEventPublisher.builder().properties(props).build()) {
 *     publisher.publish(Event.of("u42", "page_view").with("url", "/shoes")).join();
 * }
 * }</pre>
 *
 * <p>Who closes what: a publisher built from {@link Builder#properties} creates its producer and
 * closes it in {@link #close()}; a publisher given a {@link Producer} by {@link Builder#producer}
 * never closes it: the application owns it. Thread-safe.
 */
public final class KafkaEventPublisher implements AutoCloseable {
    /** The default topic of events whose type has no route. */
    public static final String USER_EVENTS = "user-events";
    /** The default topic of {@code purchase} events. */
    public static final String PURCHASE_DATA = "purchase-data";

    private final Producer<String, byte[]> producer;
    private final boolean ownsProducer;
    private final JsonEventCodec codec;
    private final EventValidator validator;
    private final Map<String, String> routes;
    private final String defaultTopic;
    private final int maxEventBytes;

    private KafkaEventPublisher(Builder b) {
        this.codec = JsonEventCodec.create(b.limits);
        this.maxEventBytes = b.limits.maxEventBytes();
        this.validator = new EventValidator(b.schemas, b.limits, b.clock);
        this.routes = Map.copyOf(b.routes);
        this.defaultTopic = b.defaultTopic;
        if (b.producer != null) {
            this.producer = b.producer;
            this.ownsProducer = false;
        } else {
            this.producer = new KafkaProducer<>(producerConfig(b.properties), new StringSerializer(),
                    new ByteArraySerializer());
            this.ownsProducer = true;
        }
    }

    /** A builder. Mutable and not thread-safe. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The settings a publisher's own producer gets, the given properties overriding the defaults:
     * idempotence, {@code acks=all}, {@code linger.ms=5}, {@code max.block.ms=5000}, lz4 compression.
     */
    public static Properties producerConfig(Properties overrides) {
        Properties p = new Properties();
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        for (String name : overrides.stringPropertyNames()) { // with the defaults a Properties may chain
            p.put(name, overrides.getProperty(name));
        }
        overrides.forEach((k, v) -> {
            if (!(v instanceof String)) {
                p.put(k, v); // a class or an instance, as Kafka also takes them
            }
        });
        return p;
    }

    /**
     * Sends one event. Never blocks longer than the producer's {@code max.block.ms} (metadata or a
     * full buffer).
     *
     * <p>The future completes on the producer's I/O thread: code chained onto it with
     * {@code thenApply}/{@code thenAccept} runs there and holds up every send of the producer while it
     * runs, so chain blocking work (or another {@code publish(...).join()}) with an {@code ...Async}
     * variant and an executor of the application's.
     *
     * @return a future completing with the record's position once the broker acknowledged it, or
     * exceptionally: with {@link InvalidEventException} listing every problem when the event is
     * invalid or its JSON is larger than the limits' {@code maxEventBytes} (nothing is sent), or with
     * the producer's exception when sending failed
     */
    public CompletableFuture<RecordMetadata> publish(Event event) {
        Objects.requireNonNull(event, "event");
        byte[] value;
        try {
            List<Violation> violations = validator.validate(event);
            if (!violations.isEmpty()) {
                return CompletableFuture.failedFuture(new InvalidEventException(violations));
            }
            value = codec.encode(event);
            if (value.length > maxEventBytes) {
                // a consumer with the same limits refuses it before parsing: it would only be dead-lettered
                return CompletableFuture.failedFuture(new InvalidEventException(
                        EventChecks.tooLarge(value.length, maxEventBytes)));
            }
        } catch (InvalidEventException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<RecordMetadata> done = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topicFor(event.type()), event.userId(), value), (meta, error) -> {
                if (error != null) {
                    done.completeExceptionally(error);
                } else {
                    done.complete(meta);
                }
            });
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    /** The topic events of this type go to. */
    public String topicFor(String eventType) {
        return routes.getOrDefault(eventType, defaultTopic);
    }

    /** Every topic this publisher may send to: the default topic and each route's. */
    public List<String> topics() {
        TreeSet<String> all = new TreeSet<>(routes.values());
        all.add(defaultTopic);
        return List.copyOf(all);
    }

    /** Sends whatever the producer still holds and waits for the acknowledgements. */
    public void flush() {
        producer.flush();
    }

    /** How long {@link #close()} waits for the records the producer still holds to be acknowledged. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Closes the producer if this publisher created it, after sending what it holds: waits up to 30
     * seconds for their acknowledgements (a broker out of reach would otherwise hold the caller for
     * the producer's {@code delivery.timeout.ms}, two minutes by default); the futures of records
     * still unacknowledged then complete exceptionally.
     */
    @Override
    public void close() {
        if (ownsProducer) {
            producer.close(CLOSE_TIMEOUT);
        }
    }

    /** Builds a {@link KafkaEventPublisher}. Mutable and not thread-safe. */
    public static final class Builder {
        private Producer<String, byte[]> producer;
        private Properties properties;
        private final Map<String, String> routes = new HashMap<>(Map.of("purchase", PURCHASE_DATA));
        private String defaultTopic = USER_EVENTS;
        private EventSchemas schemas = EventSchemas.builtIn();
        private EventLimits limits = EventLimits.defaults();
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** Sends through a producer the application owns and closes; exclusive with {@link #properties}. */
        public Builder producer(Producer<String, byte[]> producer) {
            this.producer = Objects.requireNonNull(producer, "producer");
            return this;
        }

        /**
         * Creates a producer from these properties ({@code bootstrap.servers} at least) over the
         * defaults of {@link #producerConfig}; the publisher closes it.
         */
        public Builder properties(Properties properties) {
            this.properties = (Properties) Objects.requireNonNull(properties, "properties").clone();
            return this;
        }

        /** Sends events of {@code eventType} to {@code topic}. */
        public Builder route(String eventType, String topic) {
            routes.put(Objects.requireNonNull(eventType, "eventType"), Objects.requireNonNull(topic, "topic"));
            return this;
        }

        /** Where events of types without a route go; default {@code user-events}. */
        public Builder defaultTopic(String topic) {
            this.defaultTopic = Objects.requireNonNull(topic, "topic");
            return this;
        }

        /** The schemas events are validated against; default {@link EventSchemas#builtIn()}. */
        public Builder schemas(EventSchemas schemas) {
            this.schemas = Objects.requireNonNull(schemas, "schemas");
            return this;
        }

        /** Size and time limits; default {@link EventLimits#defaults()}. Use the processor's. */
        public Builder limits(EventLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** The clock for the future-skew check. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public KafkaEventPublisher build() {
            if ((producer == null) == (properties == null)) {
                throw new IllegalStateException("give exactly one of producer(...) or properties(...)");
            }
            return new KafkaEventPublisher(this);
        }
    }
}
