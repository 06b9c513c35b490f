package io.profilekit.kafka;

import io.profilekit.Event;
import io.profilekit.InMemoryProfileStore;
import io.profilekit.JsonEventCodec;
import io.profilekit.ProfileEngine;
import io.profilekit.ProfileReducer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static io.profilekit.kafka.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A consumer loop whose dead letters fail, with Kafka's mock consumer and a producer that fails a
 * set number of sends: offsets wait for the letters, the partitions pause, and what a close or a
 * revocation leaves unacknowledged stays uncommitted.
 */
class DeadLetterRetryTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String TOPIC = "events";
    private static final String DLQ = "events.dlq";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    private static final JsonEventCodec CODEC = JsonEventCodec.create();
    private static final byte[] BAD_JSON = "{\"userId\":\"ann\",".getBytes(StandardCharsets.UTF_8);

    private final List<AutoCloseable> closeAfter = new ArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final List<ProcessorLoop> loops = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    /** What the consumer committed last, per partition, kept after it is closed. */
    static final class RecordingConsumer extends MockConsumer<String, byte[]> {
        final Map<TopicPartition, Long> commits = new ConcurrentHashMap<>();

        RecordingConsumer() {
            super("earliest");
        }

        @Override
        public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                                             OffsetCommitCallback callback) {
            offsets.forEach((tp, o) -> commits.put(tp, o.offset()));
            super.commitAsync(offsets, callback);
        }

        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            offsets.forEach((tp, o) -> commits.put(tp, o.offset()));
            super.commitSync(offsets);
        }

        @Override
        public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
            offsets.forEach((tp, o) -> commits.put(tp, o.offset()));
            super.commitSync(offsets, timeout);
        }
    }

    /** What the loop had committed and paused when it tried to send a dead letter. */
    record Attempt(Map<TopicPartition, Long> committed, Set<TopicPartition> paused, boolean failed) {
    }

    /**
     * Fails the first {@code failures} sends, alternately by throwing and by a failed future (as after
     * the producer's own retries); fails every send of a letter from a partition in {@link #refused}.
     */
    static final class FlakyProducer extends MockProducer<String, byte[]> {
        final AtomicInteger failures;
        final Set<String> refused = ConcurrentHashMap.newKeySet();
        final List<Attempt> attempts = new CopyOnWriteArrayList<>();
        volatile RecordingConsumer consumer;

        FlakyProducer(int failures) {
            super(true, null, new StringSerializer(), new ByteArraySerializer());
            this.failures = new AtomicInteger(failures);
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
            String from = DeadLetters.header(record.headers(), DeadLetters.ORIGINAL_PARTITION).orElseThrow();
            boolean fail = refused.contains(from) || failures.getAndDecrement() > 0;
            attempts.add(new Attempt(Map.copyOf(consumer.commits), Set.copyOf(consumer.paused()), fail));
            if (!fail) {
                return super.send(record, callback);
            }
            if (attempts.size() % 2 == 1) {
                throw new IllegalStateException("send refused (test)");
            }
            return CompletableFuture.failedFuture(new TimeoutException("Topic " + DLQ + " not present in metadata "
                    + "after 500 ms (test)"));
        }
    }

    @AfterEach
    void stop() throws Exception {
        loops.forEach(ProcessorLoop::stop);
        for (Thread t : threads) {
            t.join(WAIT.toMillis());
        }
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
    }

    ProfileEngine engine(InMemoryProfileStore store) {
        ProfileEngine engine = ProfileEngine.builder().store(store)
                .reducer(ProfileReducer.builder().on("page_view", (e, p) -> p.increment("page_views")).build())
                .build();
        closeAfter.add(engine);
        return engine;
    }

    /** A loop on its own thread, assigned {@code partitions} (from offset 0) once it polls. */
    ProcessorLoop start(RecordingConsumer consumer, FlakyProducer producer, ProfileEngine engine,
                        List<TopicPartition> partitions) {
        producer.consumer = consumer;
        Map<TopicPartition, Long> beginning = new java.util.HashMap<>();
        partitions.forEach(tp -> beginning.put(tp, 0L));
        consumer.updateBeginningOffsets(beginning);
        consumer.schedulePollTask(() -> consumer.rebalance(partitions));
        ProcessorLoop loop = new ProcessorLoop(consumer, producer, engine, CODEC, List.of(TOPIC), DLQ, null,
                Duration.ofMillis(5), Duration.ofMillis(1), Duration.ofMillis(4), failures::add, () -> { });
        Thread t = new Thread(loop, "dead-letter-retry-test");
        loops.add(loop);
        threads.add(t);
        t.start();
        return loop;
    }

    /** Adds records on the loop's thread (the mock consumer is not thread-safe), in its next poll. */
    static void add(RecordingConsumer consumer, TopicPartition tp, byte[]... values) {
        consumer.schedulePollTask(() -> {
            long offset = consumer.position(tp);
            for (byte[] v : values) {
                consumer.addRecord(new ConsumerRecord<>(tp.topic(), tp.partition(), offset++, "ann", v));
            }
        });
    }

    static byte[] view(int n) {
        return view("ann", n);
    }

    static byte[] view(String user, int n) {
        return CODEC.encode(Event.of(user, "page_view").at(Instant.now().minusSeconds(60).plusMillis(n))
                .with("url", "/p/" + n));
    }

    /** Decodes, but the engine rejects it: a page view needs a url. */
    static byte[] viewWithoutUrl() {
        return CODEC.encode(Event.of("ann", "page_view").at(Instant.now().minusSeconds(60)));
    }

    static long pageViews(ProfileEngine engine) {
        return engine.get("ann").flatMap(p -> p.getLong("page_views")).orElse(0L);
    }

    @Test
    void aFailingDeadLetterIsRetriedWhileItsPartitionWaitsUncommittedAndPaused() {
        RecordingConsumer consumer = new RecordingConsumer();
        FlakyProducer producer = new FlakyProducer(3);
        ProfileEngine engine = engine(new InMemoryProfileStore());
        ProcessorLoop loop = start(consumer, producer, engine, List.of(P0, P1));
        consumer.schedulePollTask(() -> {
            consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 0, "ann", view(1)));
            consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 1, "ann", BAD_JSON));
            consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 2, "ann", view(2)));
            consumer.addRecord(new ConsumerRecord<>(TOPIC, 1, 0, "bob", view("bob", 3)));
        });

        await(WAIT, () -> loop.metrics().deadLettered() == 1 && Long.valueOf(3).equals(consumer.commits.get(P0)),
                () -> loop.metrics() + " " + consumer.commits);
        assertThat(producer.attempts).extracting(Attempt::failed).containsExactly(true, true, true, false);
        assertThat(producer.attempts).as("no offset of the letter's partition committed before it was acknowledged")
                .allSatisfy(a -> assertThat(a.committed()).doesNotContainKey(P0));
        assertThat(producer.attempts.subList(1, 4)).as("retries while paused, the other partition committed")
                .allSatisfy(a -> {
                    assertThat(a.paused()).containsExactlyInAnyOrder(P0, P1);
                    assertThat(a.committed()).containsEntry(P1, 1L);
                });
        ProducerRecord<String, byte[]> letter = producer.history().get(0);
        assertThat(letter.topic()).isEqualTo(DLQ);
        assertThat(letter.value()).isEqualTo(BAD_JSON);
        assertThat(DeadLetters.header(letter.headers(), DeadLetters.ORIGINAL_OFFSET)).contains("1");
        ProcessorMetrics m = loop.metrics();
        assertThat(m.deadLetterFailures()).isEqualTo(3);
        assertThat(m.deadLettered()).isEqualTo(1);
        assertThat(m.pauses()).isEqualTo(1);
        assertThat(m.records()).isEqualTo(4);
        assertThat(m.applied()).isEqualTo(3);
        assertThat(m.storeFailures()).isZero();

        add(consumer, P0, view(4));
        await(WAIT, () -> loop.metrics().applied() == 4, () -> loop.metrics().toString());
        assertThat(loop.metrics().paused()).as("resumed").isFalse();
        assertThat(pageViews(engine)).isEqualTo(3);
        assertThat(failures).isEmpty();
    }

    @Test
    void closedWhileADeadLetterFailsItsPartitionStaysUncommittedAndIsDeadLetteredWhenReadAgain() throws Exception {
        InMemoryProfileStore store = new InMemoryProfileStore();
        closeAfter.add(store);
        RecordingConsumer consumer = new RecordingConsumer();
        FlakyProducer producer = new FlakyProducer(Integer.MAX_VALUE);
        ProfileEngine engine = engine(store);
        ProcessorLoop loop = start(consumer, producer, engine, List.of(P0, P1));
        consumer.schedulePollTask(() -> {
            consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 0, "ann", view(1)));
            consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 1, "ann", null));
            consumer.addRecord(new ConsumerRecord<>(TOPIC, 1, 0, "bob", view("bob", 2)));
            consumer.addRecord(new ConsumerRecord<>(TOPIC, 1, 1, "bob", view("bob", 3)));
        });
        await(WAIT, () -> loop.metrics().deadLetterFailures() >= 3 && loop.metrics().paused(),
                () -> loop.metrics().toString());

        loop.stop();
        threads.get(0).join(WAIT.toMillis());
        assertThat(threads.get(0).isAlive()).isFalse();
        assertThat(consumer.closed()).isTrue();
        assertThat(consumer.commits).as("the partition owing a letter is not committed, the other is")
                .doesNotContainKey(P0).containsEntry(P1, 2L);
        assertThat(loop.metrics().deadLettered()).isZero();
        assertThat(pageViews(engine)).as("the valid event before the letter was applied").isEqualTo(1);
        assertThat(failures).as("a stop, not a failure").isEmpty();

        // the next owner reads the partition again: the applied event is skipped, the letter sent
        RecordingConsumer again = new RecordingConsumer();
        FlakyProducer working = new FlakyProducer(0);
        ProfileEngine next = engine(store);
        ProcessorLoop second = start(again, working, next, List.of(P0));
        again.schedulePollTask(() -> {
            again.addRecord(new ConsumerRecord<>(TOPIC, 0, 0, "ann", view(1)));
            again.addRecord(new ConsumerRecord<>(TOPIC, 0, 1, "ann", null));
        });
        await(WAIT, () -> Long.valueOf(2).equals(again.commits.get(P0)), () -> second.metrics() + " " + again.commits);
        assertThat(second.metrics().duplicates()).isEqualTo(1);
        assertThat(second.metrics().applied()).isZero();
        assertThat(second.metrics().deadLettered()).isEqualTo(1);
        assertThat(working.history()).singleElement().satisfies(l ->
                assertThat(DeadLetters.header(l.headers(), DeadLetters.ORIGINAL_OFFSET)).contains("1"));
        assertThat(pageViews(next)).isEqualTo(1);
    }

    @Test
    void revokedWhileTheDeadLetterOfARejectedEventFailsThatPartitionStaysUncommittedAndTheOthersGoOn() {
        RecordingConsumer consumer = new RecordingConsumer();
        FlakyProducer producer = new FlakyProducer(0);
        producer.refused.add("0");
        ProfileEngine engine = engine(new InMemoryProfileStore());
        ProcessorLoop loop = start(consumer, producer, engine, List.of(P0, P1));
        consumer.schedulePollTask(() -> {
            consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 0, "ann", view(1)));
            consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 1, "ann", viewWithoutUrl()));
            consumer.addRecord(new ConsumerRecord<>(TOPIC, 1, 0, "bob", view(2)));
        });
        await(WAIT, () -> loop.metrics().deadLetterFailures() >= 2 && loop.metrics().paused(),
                () -> loop.metrics().toString());

        consumer.schedulePollTask(() -> consumer.rebalance(List.of(P1)));
        add(consumer, P1, view(3));
        await(WAIT, () -> loop.metrics().applied() == 3, () -> loop.metrics() + " " + consumer.commits + " " + failures);
        await(WAIT, () -> Long.valueOf(2).equals(consumer.commits.get(P1)), () -> consumer.commits.toString());
        ProcessorMetrics m = loop.metrics();
        assertThat(consumer.commits).doesNotContainKey(P0);
        assertThat(m.revocations()).isEqualTo(1);
        assertThat(m.paused()).isFalse();
        assertThat(m.deadLettered()).isZero();

        int attempts = producer.attempts.size();
        add(consumer, P1, view(4));
        await(WAIT, () -> loop.metrics().applied() == 4, () -> loop.metrics().toString());
        assertThat(producer.attempts).as("the revoked partition's letter is left to its next owner").hasSize(attempts);
        assertThat(loop.metrics().deadLetterFailures()).isEqualTo(attempts);
        assertThat(failures).isEmpty();
    }

    @Test
    void aBatchWhosePartitionsAreAllRevokedWhileTheStoreIsDownIsNeitherAppliedNorCounted() {
        RecordingConsumer consumer = new RecordingConsumer();
        SwitchableStore store = new SwitchableStore(new InMemoryProfileStore());
        store.down = true;
        ProfileEngine engine = ProfileEngine.builder().store(store).storeRetries(0, Duration.ZERO)
                .reducer(ProfileReducer.builder().on("page_view", (e, p) -> p.increment("page_views")).build())
                .build();
        closeAfter.add(engine);
        ProcessorLoop loop = start(consumer, new FlakyProducer(0), engine, List.of(P0));
        add(consumer, P0, view(1), view(2));
        await(WAIT, () -> loop.metrics().storeFailures() >= 1 && loop.metrics().paused(), () -> loop.metrics().toString());

        consumer.schedulePollTask(() -> consumer.rebalance(List.of()));
        await(WAIT, () -> loop.metrics().revocations() == 1 && !loop.metrics().paused(), () -> loop.metrics().toString());
        ProcessorMetrics m = loop.metrics();
        assertThat(m.batches()).as("nothing of the batch was left to apply").isZero();
        assertThat(m.applied()).isZero();
        assertThat(m.records()).isZero();
        assertThat(consumer.commits).isEmpty();
        assertThat(failures).isEmpty();
    }
}
