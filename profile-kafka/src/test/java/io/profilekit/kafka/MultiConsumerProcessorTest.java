package io.profilekit.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.profilekit.InMemoryProfileStore;
import io.profilekit.ProfileEngine;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static io.profilekit.kafka.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** A processor running several consumers in its group, against a real KRaft broker and Redis. */
class MultiConsumerProcessorTest extends PipelineTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How many partitions each member of the test's group is assigned, per member, as the broker sees it. */
    List<Integer> partitionsPerMember() {
        try {
            Collection<MemberDescription> members = admin.describeConsumerGroups(List.of(group)).describedGroups()
                    .get(group).get().members();
            List<Integer> out = new ArrayList<>();
            members.forEach(m -> out.add(m.assignment().topicPartitions().size()));
            return out;
        } catch (Exception e) {
            return List.of();
        }
    }

    long committedOffsetsSum() throws Exception {
        Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> committed = admin
                .listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        return committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
    }

    static long pageViewsAfter(ConsumerRecord<String, byte[]> change) {
        try {
            JsonNode after = JSON.readTree(change.value()).path("changes").path("page_views").path("after");
            return after.asLong(-1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void threeConsumersShareSixPartitionsAndGiveExactTotalsWithoutDuplicates(TestInfo info) throws Exception {
        newTopic(info, 6);
        Set<String> applyingThreads = ConcurrentHashMap.newKeySet();
        AtomicLong changesHeard = new AtomicLong();
        ProfileEngine engine = closing(ProfileEngine.builder().reducer(REDUCER).store(redisStore())
                .listener(c -> {
                    applyingThreads.add(Thread.currentThread().getName());
                    changesHeard.incrementAndGet();
                }).build());
        KafkaProfileProcessor processor = started(processor(engine).consumers(3)
                .consumerProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 200));
        await(WAIT, () -> partitionsPerMember().equals(List.of(2, 2, 2)) && processor.metrics().assignedPartitions() == 6,
                () -> "members' partitions " + partitionsPerMember() + ", " + processor.metrics());
        assertThat(processor.isRunning()).isTrue();

        Map<String, Long> expected = publishViews(publisher(), "three-", 60, 6000);
        await(WAIT, () -> processor.metrics().applied() == 6000, () -> processor.metrics().toString());
        assertThat(pageViews(engine, expected.keySet())).isEqualTo(expected);
        ProcessorMetrics m = processor.metrics();
        assertThat(m.records()).isEqualTo(6000);
        assertThat(m.duplicates()).isZero();
        assertThat(m.lag()).isZero();
        assertThat(applyingThreads).as("every consumer thread applied some of the events").containsExactlyInAnyOrder(
                "profilekit-processor-" + group + "-0", "profilekit-processor-" + group + "-1",
                "profilekit-processor-" + group + "-2");

        // one change record per change the engine heard of, and each user's records in order
        await(WAIT, () -> processor.metrics().changesPublished() == changesHeard.get(),
                () -> processor.metrics().changesPublished() + " published of " + changesHeard.get());
        List<ConsumerRecord<String, byte[]>> updates = readAll(TopicSetup.PROFILE_UPDATES,
                r -> expected.containsKey(r.key()), (int) changesHeard.get());
        assertThat(updates).hasSize((int) changesHeard.get());
        Map<String, Long> lastSeen = new HashMap<>();
        for (ConsumerRecord<String, byte[]> u : updates) {
            long after = pageViewsAfter(u);
            Long before = lastSeen.put(u.key(), after);
            if (before != null) {
                assertThat(after).as("change records of %s in order", u.key()).isGreaterThan(before);
            }
        }
        assertThat(lastSeen).isEqualTo(expected);
    }

    @Test
    void closeCommitsWhatEveryConsumerAppliedAndARestartWithTwoConsumersCountsNothingTwice(TestInfo info)
            throws Exception {
        newTopic(info, 6);
        InMemoryProfileStore shared = closing(new InMemoryProfileStore());
        KafkaProfileProcessor first = processor(engine(shared)).consumers(3)
                .consumerProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50).build().start();
        KafkaEventPublisher publisher = publisher();
        Map<String, Long> expected = new HashMap<>(publishViews(publisher, "close-", 40, 3000));
        await(WAIT, () -> first.metrics().applied() >= 1000, () -> first.metrics().toString());
        CompletableFuture<Map<String, Long>> more = CompletableFuture.supplyAsync(
                () -> publishViews(publisher, "close-", 40, 3000));
        first.close();
        more.join().forEach((u, n) -> expected.merge(u, n, Long::sum));

        assertThat(first.isRunning()).isFalse();
        assertThat(first.failure()).isEmpty();
        ProcessorMetrics closed = first.metrics();
        assertThat(closed.records()).as("closed mid-stream").isLessThan(6000);
        assertThat(closed.duplicates()).isZero();
        assertThat(committedOffsetsSum()).as("close committed every record the consumers handled")
                .isEqualTo(closed.records());

        ProfileEngine second = engine(shared);
        KafkaProfileProcessor after = started(processor(second).consumers(2));
        await(WAIT, () -> pageViews(second, expected.keySet()).equals(expected),
                () -> pageViews(second, expected.keySet()) + " " + after.metrics());
        await(WAIT, () -> after.metrics().records() == 6000 - closed.records() && after.metrics().lag() == 0,
                () -> after.metrics() + " after " + closed);
        assertThat(after.metrics().duplicates()).as("nothing read twice").isZero();
        assertThat(after.metrics().applied()).isEqualTo(6000 - closed.records());

        // a new group re-reads the whole topic: every event is a duplicate, no total moves
        group = group + "-replay";
        ProfileEngine third = engine(shared);
        KafkaProfileProcessor replay = started(processor(third).consumers(2));
        await(WAIT, () -> replay.metrics().records() == 6000, () -> replay.metrics().toString());
        assertThat(replay.metrics().duplicates()).isEqualTo(6000);
        assertThat(replay.metrics().applied()).isZero();
        assertThat(pageViews(third, expected.keySet())).isEqualTo(expected);
    }

    /** The processor's consumer threads still alive. */
    List<String> liveConsumerThreads() {
        String prefix = "profilekit-processor-" + group + "-";
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(prefix) && !n.endsWith("-updates")).toList();
    }

    int groupMembers() {
        try {
            return admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get().members().size();
        } catch (Exception e) {
            throw new IllegalStateException("describing the group failed", e);
        }
    }

    @Test
    void whenOneConsumerDiesTheProcessorStopsTheOthersWhichCommitWhatTheyAppliedAndARestartCountsNothingTwice(
            TestInfo info) throws Exception {
        newTopic(info, 4);
        SwitchableStore store = new SwitchableStore(closing(new InMemoryProfileStore()));
        ProfileEngine engine = engine(store);
        KafkaProfileProcessor processor = started(processor(engine).consumers(2)
                .consumerProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100));
        await(WAIT, () -> partitionsPerMember().equals(List.of(2, 2)), () -> "members' partitions "
                + partitionsPerMember());
        KafkaEventPublisher publisher = publisher();
        Map<String, Long> expected = new HashMap<>(publishViews(publisher, "dies-", 20, 400));
        await(WAIT, () -> processor.metrics().applied() == 400, () -> processor.metrics().toString());

        store.crashAfterNextWrite = true;
        publishViews(publisher, "dies-", 20, 600).forEach((u, n) -> expected.merge(u, n, Long::sum));
        await(WAIT, () -> !processor.isRunning());
        assertThat(processor.failure()).containsInstanceOf(SwitchableStore.SimulatedCrash.class);
        assertThat(store.writesBeforeCrash.get()).isPositive();

        // fail-fast: the other consumer stops too, and nobody in this processor takes the partitions over
        await(WAIT, () -> liveConsumerThreads().isEmpty(), () -> "still running: " + liveConsumerThreads());
        await(WAIT, () -> groupMembers() == 0, () -> "members' partitions " + partitionsPerMember());
        ProcessorMetrics stopped = processor.metrics();
        assertThat(stopped.assignedPartitions()).isZero();
        assertThat(stopped.records()).as("the crashed batch and what followed it are not done").isLessThan(1000);
        assertThat(committedOffsetsSum()).as("every record counted as done was committed, and no more")
                .isEqualTo(stopped.records());
        assertThat(processor.failure()).containsInstanceOf(SwitchableStore.SimulatedCrash.class);
        processor.close(); // nothing left to stop, and no error
        assertThat(processor.failure()).as("close keeps the cause").containsInstanceOf(
                SwitchableStore.SimulatedCrash.class);

        ProfileEngine second = engine(store);
        KafkaProfileProcessor after = started(processor(second).consumers(2));
        await(WAIT, () -> pageViews(second, expected.keySet()).equals(expected),
                () -> pageViews(second, expected.keySet()) + " " + after.metrics());
        await(WAIT, () -> after.metrics().records() == 1000 - stopped.records() && after.metrics().lag() == 0,
                () -> after.metrics() + " after " + stopped);
        ProcessorMetrics m = after.metrics();
        assertThat(m.duplicates()).as("the crashed batch's writes were read again and skipped").isPositive();
        assertThat(stopped.applied() + m.applied() + m.duplicates()).as("each event applied once").isEqualTo(1000);
        assertThat(pageViews(second, expected.keySet())).isEqualTo(expected);
        assertThat(after.isRunning()).isTrue();
        assertThat(after.failure()).isEmpty();
    }
}
