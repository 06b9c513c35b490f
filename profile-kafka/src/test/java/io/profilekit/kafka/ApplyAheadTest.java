package io.profilekit.kafka;

import io.profilekit.InMemoryProfileStore;
import io.profilekit.JsonEventCodec;
import io.profilekit.ProfileEngine;
import io.profilekit.ProfileReducer;
import io.profilekit.ProfileStoreException;
import io.profilekit.kafka.DeadLetterRetryTest.FlakyProducer;
import io.profilekit.kafka.DeadLetterRetryTest.RecordingConsumer;
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileStore;
import io.profilekit.spi.ProfileWrite;
import io.profilekit.spi.WriteOutcome;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.profilekit.kafka.Await.await;
import static io.profilekit.kafka.DeadLetterRetryTest.view;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A consumer loop applies a batch on its apply thread while it polls and decodes the next one,
 * with Kafka's mock consumer and a store whose first write waits for the test: the next batch is
 * read meanwhile but applied only after, in order; when the first fails, the next is read again.
 */
class ApplyAheadTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String TOPIC = "events";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);

    private final List<AutoCloseable> closeAfter = new ArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final List<ProcessorLoop> loops = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    /** Counts the records its polls return, and keeps its seeks (the mock does not read again after one). */
    static final class CountingConsumer extends RecordingConsumer {
        final AtomicInteger polledRecords = new AtomicInteger();
        final List<Long> seeks = new CopyOnWriteArrayList<>();

        @Override
        public synchronized void seek(TopicPartition partition, long offset) {
            seeks.add(offset);
            super.seek(partition, offset);
        }

        @Override
        public synchronized ConsumerRecords<String, byte[]> poll(Duration timeout) {
            ConsumerRecords<String, byte[]> records = super.poll(timeout);
            polledRecords.addAndGet(records.count());
            return records;
        }
    }

    /**
     * An in-memory store whose first write waits until {@link #release} (and then fails, with
     * {@link #failFirst}); keeps the partition fence of each write it took, in order.
     */
    static final class GatedStore implements ProfileStore {
        final InMemoryProfileStore delegate = new InMemoryProfileStore();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger calls = new AtomicInteger();
        final List<Long> fencesWritten = new CopyOnWriteArrayList<>();
        volatile String writingThread;
        volatile boolean failFirst;

        @Override
        public Map<String, ProfileState> loadAll(Collection<String> userIds) {
            return delegate.loadAll(userIds);
        }

        @Override
        public List<WriteOutcome> writeAll(List<ProfileWrite> writes) {
            if (calls.incrementAndGet() == 1) {
                writingThread = Thread.currentThread().getName();
                entered.countDown();
                try {
                    if (!release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                        throw new IllegalStateException("the test never released the first write");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                if (failFirst) {
                    throw new ProfileStoreException("store unreachable (test outage)");
                }
            }
            List<WriteOutcome> out = delegate.writeAll(writes);
            writes.forEach(w -> fencesWritten.add(w.state().fence(TOPIC + "-0")));
            return out;
        }

        @Override
        public void erase(String userId, Instant erasedAt) {
            delegate.erase(userId, erasedAt);
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

    ProfileEngine engine(ProfileStore store) {
        ProfileEngine engine = ProfileEngine.builder().store(store)
                .reducer(ProfileReducer.builder().on("page_view", (e, p) -> p.increment("page_views")).build())
                .build();
        closeAfter.add(engine);
        return engine;
    }

    ProcessorLoop start(CountingConsumer consumer, ProfileEngine engine) {
        FlakyProducer producer = new FlakyProducer(0);
        producer.consumer = consumer;
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        consumer.schedulePollTask(() -> consumer.rebalance(List.of(P0)));
        ProcessorLoop loop = new ProcessorLoop(consumer, producer, engine, JsonEventCodec.create(),
                List.of(TOPIC), TOPIC + ".dlq", null, Duration.ofMillis(5), Duration.ofMillis(1), Duration.ofMillis(4),
                failures::add, () -> { });
        Thread t = new Thread(loop, "apply-ahead-test");
        loops.add(loop);
        threads.add(t);
        t.start();
        return loop;
    }

    /** Offsets {@code from} to {@code from + n - 1} of P0, page views of ann, in the loop's next poll. */
    static void add(CountingConsumer consumer, int from, int n) {
        consumer.schedulePollTask(() -> {
            for (int i = from; i < from + n; i++) {
                consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, i, "ann", view(i)));
            }
        });
    }

    static long pageViews(ProfileEngine engine) {
        return engine.get("ann").flatMap(p -> p.getLong("page_views")).orElse(0L);
    }

    @Test
    void theNextBatchIsReadWhileOneIsAppliedAndAppliedAfterIt() throws Exception {
        CountingConsumer consumer = new CountingConsumer();
        GatedStore store = new GatedStore();
        ProfileEngine engine = engine(store);
        ProcessorLoop loop = start(consumer, engine);
        add(consumer, 0, 3); // the mock runs one task a poll: these records come in the poll after the assignment,
        add(consumer, 3, 3); // these in the next, which the loop makes while it applies the first batch
        assertThat(store.entered.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

        await(WAIT, () -> consumer.polledRecords.get() == 6, () -> consumer.polledRecords + " records polled");
        assertThat(store.writingThread).isEqualTo("apply-ahead-test-apply");
        assertThat(loop.metrics().applied()).as("nothing counted while the first batch is being written").isZero();
        assertThat(consumer.commits).as("nothing committed before its batch is written").isEmpty();
        assertThat(store.fencesWritten).isEmpty();

        store.release.countDown();
        await(WAIT, () -> loop.metrics().applied() == 6 && Long.valueOf(6).equals(consumer.commits.get(P0)),
                () -> loop.metrics() + " " + consumer.commits);
        assertThat(store.fencesWritten).as("one write per batch, in the order read").containsExactly(2L, 5L);
        assertThat(pageViews(engine)).isEqualTo(6);
        ProcessorMetrics m = loop.metrics();
        assertThat(m.batches()).isEqualTo(2);
        assertThat(m.records()).isEqualTo(6);
        assertThat(m.duplicates()).isZero();
        assertThat(consumer.polledRecords.get()).as("each record read once").isEqualTo(6);
        assertThat(failures).isEmpty();
    }

    @Test
    void whenTheBatchInHandFailsTheNextIsReadAgainAfterIt() throws Exception {
        CountingConsumer consumer = new CountingConsumer();
        GatedStore store = new GatedStore();
        store.failFirst = true;
        ProfileEngine engine = ProfileEngine.builder().store(store).storeRetries(0, Duration.ZERO)
                .reducer(ProfileReducer.builder().on("page_view", (e, p) -> p.increment("page_views")).build())
                .build();
        closeAfter.add(engine);
        ProcessorLoop loop = start(consumer, engine);
        add(consumer, 0, 3); // the mock runs one task a poll: these records come in the poll after the assignment,
        add(consumer, 3, 3); // these in the next, which the loop makes while it applies the first batch
        assertThat(store.entered.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        await(WAIT, () -> consumer.polledRecords.get() == 6, () -> consumer.polledRecords + " records polled");

        store.release.countDown();
        await(WAIT, () -> consumer.seeks.contains(3L), () -> consumer.seeks + " " + loop.metrics());
        assertThat(consumer.seeks).as("the second batch sought back (after the mock's own seek to the beginning)")
                .containsExactly(0L, 3L);
        await(WAIT, () -> loop.metrics().applied() == 3 && !loop.metrics().paused(), () -> loop.metrics().toString());
        assertThat(consumer.commits).containsEntry(P0, 3L);
        add(consumer, 3, 3); // what a broker sends after the seek
        await(WAIT, () -> loop.metrics().applied() == 6 && Long.valueOf(6).equals(consumer.commits.get(P0)),
                () -> loop.metrics() + " " + consumer.commits);
        assertThat(consumer.polledRecords.get()).as("the second batch read again").isEqualTo(9);
        assertThat(store.fencesWritten).as("the first batch again, then the second").containsExactly(2L, 5L);
        assertThat(pageViews(engine)).isEqualTo(6);
        ProcessorMetrics m = loop.metrics();
        assertThat(m.storeFailures()).isEqualTo(1);
        assertThat(m.pauses()).isEqualTo(1);
        assertThat(m.paused()).isFalse();
        assertThat(m.records()).as("the records read twice counted once").isEqualTo(6);
        assertThat(m.duplicates()).isZero();
        assertThat(failures).isEmpty();
    }
}
