package io.profilekit.kafka;

import io.profilekit.Event;
import io.profilekit.InMemoryProfileStore;
import io.profilekit.InvalidEventException;
import io.profilekit.Profile;
import io.profilekit.ProfileEngine;
import io.profilekit.ProfileReducer;
import io.profilekit.redis.NearCachedProfileStore;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.profilekit.kafka.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pipeline against a real KRaft broker in this JVM: publisher, processor, dead letters, change records. */
class KafkaPipelineTest extends PipelineTestBase {
    @Test
    void anEventPublishedHereIsReadOnAnotherEngineSharingRedis(TestInfo info) throws Exception {
        newTopic(info, 3);
        ProfileEngine applying = engine(redisStore());
        ProfileEngine reading = engine(redisStore());
        started(processor(applying));
        KafkaEventPublisher publisher = publisher();

        publisher.publish(view("ann", 1)).join();
        Event order = Event.of("ann", "purchase").at(Instant.now().minusSeconds(5)).with("order_id", "o-1")
                .with("amount", new BigDecimal("19.99")).with("currency", "EUR");
        assertThat(publisher.publish(order).join().topic()).isEqualTo(topic);

        await(WAIT, () -> reading.get("ann").flatMap(p -> p.getLong("purchases")).isPresent());
        Profile ann = reading.get("ann").orElseThrow();
        assertThat(ann.getLong("page_views")).contains(1L);
        assertThat(ann.getDecimal("lifetime_value")).contains(new BigDecimal("19.99"));
        assertThat(ann.get("last_url")).contains("/p/1");
    }

    @Test
    void aCrashBetweenTheStoreWriteAndTheOffsetCommitCountsNothingTwice(TestInfo info) throws Exception {
        newTopic(info, 2);
        SwitchableStore store = new SwitchableStore(closing(new InMemoryProfileStore()));
        ProfileEngine first = engine(store);
        KafkaProfileProcessor before = started(processor(first));
        KafkaEventPublisher publisher = publisher();
        Map<String, Long> expected = new HashMap<>(publishViews(publisher, "c", 10, 200));
        await(WAIT, () -> before.metrics().applied() == 200, () -> before.metrics().toString());

        store.crashAfterNextWrite = true;
        publishViews(publisher, "c", 10, 300).forEach((u, n) -> expected.merge(u, n, Long::sum));
        await(WAIT, () -> !before.isRunning());
        assertThat(before.failure()).containsInstanceOf(SwitchableStore.SimulatedCrash.class);
        assertThat(store.writesBeforeCrash.get()).isPositive();

        ProfileEngine second = engine(store);
        KafkaProfileProcessor after = started(processor(second));
        await(WAIT, () -> pageViews(second, expected.keySet()).equals(expected),
                () -> pageViews(second, expected.keySet()) + " " + after.metrics());
        await(WAIT, () -> after.metrics().duplicates() > 0, () -> "records written before the crash were re-read "
                + "and skipped: " + after.metrics());
        await(WAIT, () -> after.metrics().lag() == 0 && after.metrics().records() > 0);
        assertThat(pageViews(second, expected.keySet())).isEqualTo(expected);
        assertThat(before.metrics().applied()).as("the crashed batch was not counted as finished").isEqualTo(200);
    }

    @Test
    void twoProcessorsOneJoiningAndOneLeavingMidStreamGiveExactTotals(TestInfo info) throws Exception {
        newTopic(info, 6);
        InMemoryProfileStore shared = closing(new InMemoryProfileStore());
        ProfileEngine engineA = engine(shared);
        ProfileEngine engineB = engine(shared);
        KafkaEventPublisher publisher = publisher();
        Map<String, Long> expected = new HashMap<>(publishViews(publisher, "g", 50, 3000));

        KafkaProfileProcessor a = started(processor(engineA).consumerProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100));
        await(WAIT, () -> a.metrics().applied() >= 300);
        KafkaProfileProcessor b = started(processor(engineB).consumerProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100));
        await(WAIT, () -> b.metrics().assignedPartitions() > 0 && a.metrics().assignedPartitions() < 6,
                () -> a.metrics() + " " + b.metrics());
        assertThat(a.metrics().revocations()).as("a gave partitions to b").isPositive();
        publishViews(publisher, "g", 50, 3000).forEach((u, n) -> expected.merge(u, n, Long::sum));
        await(WAIT, () -> b.metrics().applied() > 0, () -> b.metrics().toString());

        CompletableFuture<Map<String, Long>> third = CompletableFuture.supplyAsync(() -> publishViews(publisher, "g", 50, 3000));
        await(WAIT, () -> a.metrics().records() + b.metrics().records() > 6300);
        a.close();
        third.join().forEach((u, n) -> expected.merge(u, n, Long::sum));

        await(WAIT, () -> a.metrics().applied() + b.metrics().applied() == 9000, () -> a.metrics() + " " + b.metrics());
        assertThat(pageViews(engineB, expected.keySet())).isEqualTo(expected);
        assertThat(b.metrics().duplicates()).as("a committed what it applied before letting partitions go").isZero();
        assertThat(a.metrics().applied()).isLessThan(9000);
    }

    @Test
    void theEventsOfAProfileRedisHoldsUnreadableGoToTheDeadLetterTopicAndThePartitionMovesOn(TestInfo info)
            throws Exception {
        newTopic(info, 1);
        ProfileEngine engine = engine(redisStore());
        KafkaProfileProcessor processor = started(processor(engine));
        KafkaEventPublisher publisher = publisher();
        publisher.publish(view("dora", 1)).join();
        publisher.publish(view("ugo", 1)).join();
        await(WAIT, () -> pageViews(engine, "dora") == 1 && pageViews(engine, "ugo") == 1);
        try (var client = redis.client()) {
            client.hset(topic + ":ugo", "s", "{\"v\":9,\"user\":\"ugo\"}"); // as a later format would write it
        }

        Event late = view("ugo", 2);
        publisher.publish(late).join();
        publisher.publish(view("dora", 2)).join();
        await(WAIT, () -> pageViews(engine, "dora") == 2 && processor.metrics().deadLettered() == 1,
                () -> processor.metrics().toString());
        List<ConsumerRecord<String, byte[]>> letters = readAll(TopicSetup.DEAD_LETTERS,
                r -> DeadLetters.header(r.headers(), DeadLetters.ORIGINAL_TOPIC).equals(Optional.of(topic)), 1);
        assertThat(letters).singleElement().satisfies(l -> {
            assertThat(l.key()).isEqualTo("ugo");
            assertThat(new String(l.value(), StandardCharsets.UTF_8)).contains(late.eventId());
            assertThat(DeadLetters.header(l.headers(), DeadLetters.REASON).orElseThrow())
                    .contains("the stored profile of user ugo cannot be read").contains(topic + ":ugo");
        });
        assertThat(processor.metrics().paused()).isFalse();
    }

    @Test
    void poisonPillsGoToTheDeadLetterTopicWithTheirOriginAndTheGoodEventsAroundThemAreApplied(TestInfo info)
            throws Exception {
        newTopic(info, 1);
        ProfileEngine engine = engine(closing(new InMemoryProfileStore()));
        KafkaProfileProcessor processor = started(processor(engine));
        KafkaProducer<String, byte[]> raw = rawProducer();
        var codec = io.profilekit.JsonEventCodec.create();
        byte[] badJson = "{\"userId\":\"pat\",\"type\":\"page_view\",".getBytes(StandardCharsets.UTF_8);
        byte[] schemaViolation = ("{\"userId\":\"pat\",\"type\":\"purchase\",\"timestamp\":\"" + Instant.now().minusSeconds(9)
                + "\",\"properties\":{\"order_id\":\"o-9\",\"amount\":\"abc\",\"currency\":\"EUR\"}}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] huge = new byte[1 << 20];
        Arrays.fill(huge, (byte) 'x');
        byte[][] values = {codec.encode(view("pat", 1)), badJson, codec.encode(view("pat", 2)), schemaViolation,
                codec.encode(view("pat", 3)), huge, codec.encode(view("pat", 4))};
        for (byte[] v : values) {
            raw.send(new ProducerRecord<>(topic, "pat", v)).get();
        }

        await(WAIT, () -> pageViews(engine, "pat") == 4 && processor.metrics().deadLettered() == 3,
                () -> processor.metrics().toString());
        List<ConsumerRecord<String, byte[]>> letters = readAll(TopicSetup.DEAD_LETTERS,
                r -> DeadLetters.header(r.headers(), DeadLetters.ORIGINAL_TOPIC).equals(Optional.of(topic)), 3);
        assertThat(letters).extracting(r -> DeadLetters.header(r.headers(), DeadLetters.ORIGINAL_OFFSET).orElseThrow())
                .containsExactly("1", "3", "5");
        assertThat(letters).extracting(r -> DeadLetters.header(r.headers(), DeadLetters.ORIGINAL_PARTITION).orElseThrow())
                .containsOnly("0");
        assertThat(letters.get(0).value()).isEqualTo(badJson);
        assertThat(letters.get(1).value()).isEqualTo(schemaViolation);
        assertThat(letters.get(2).value()).isEqualTo(huge);
        assertThat(letters).extracting(ConsumerRecord::key).containsOnly("pat");
        assertThat(DeadLetters.header(letters.get(1).headers(), DeadLetters.REASON).orElseThrow())
                .contains("amount").contains("abc");
        assertThat(DeadLetters.header(letters.get(2).headers(), DeadLetters.REASON).orElseThrow())
                .contains(Integer.toString(1 << 20));
        assertThat(engine.get("pat").orElseThrow().get("last_url")).contains("/p/4");
    }

    @Test
    void whileTheStoreIsDownThePartitionsPauseAndAfterwardsEverythingIsAppliedOnce(TestInfo info) throws Exception {
        newTopic(info, 3);
        SwitchableStore store = new SwitchableStore(closing(new InMemoryProfileStore()));
        ProfileEngine engine = engine(store);
        KafkaProfileProcessor processor = started(processor(engine)
                .consumerProperty(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 2000)
                .retryBackoff(Duration.ofMillis(20)).maxRetryBackoff(Duration.ofMillis(200)));
        KafkaEventPublisher publisher = publisher();
        Map<String, Long> expected = new HashMap<>(publishViews(publisher, "d", 20, 100));
        await(WAIT, () -> processor.metrics().applied() == 100);

        store.down = true;
        long downSince = System.nanoTime();
        publishViews(publisher, "d", 20, 400).forEach((u, n) -> expected.merge(u, n, Long::sum));
        await(WAIT, () -> processor.metrics().paused() && processor.metrics().storeFailures() >= 3);
        // outlast max.poll.interval.ms: a processor that stopped polling would now be out of the group
        await(WAIT, () -> System.nanoTime() - downSince > Duration.ofMillis(3000).toNanos());
        ProcessorMetrics whileDown = processor.metrics();
        assertThat(whileDown.paused()).isTrue();
        assertThat(whileDown.revocations()).as("still in the group").isZero();
        assertThat(whileDown.applied()).isEqualTo(100);
        assertThat(whileDown.lag()).as("the unread records wait in Kafka, not in memory").isPositive();

        store.down = false;
        await(WAIT, () -> processor.metrics().applied() == 500, () -> processor.metrics().toString());
        assertThat(pageViews(engine, expected.keySet())).isEqualTo(expected);
        ProcessorMetrics after = processor.metrics();
        assertThat(after.applied()).isEqualTo(500);
        assertThat(after.duplicates()).isZero();
        assertThat(after.paused()).isFalse();
        assertThat(after.pauses()).isEqualTo(1);
    }

    @Test
    void theSameEventIdSentTwiceByTheApplicationIsCountedOnce(TestInfo info) throws Exception {
        newTopic(info, 3);
        ProfileEngine engine = engine(closing(new InMemoryProfileStore()));
        KafkaProfileProcessor processor = started(processor(engine));
        KafkaEventPublisher publisher = publisher();
        Event e = view("sam", 1);
        publisher.publish(e).join();
        publisher.publish(e).join();
        publisher.publish(view("sam", 2)).join();

        await(WAIT, () -> processor.metrics().records() == 3);
        assertThat(pageViews(engine, "sam")).isEqualTo(2);
        assertThat(processor.metrics().duplicates()).isEqualTo(1);
    }

    @Test
    void lateEventsUnderTheSideOutputPolicyGoToTheLateTopicWithTheirSource(TestInfo info) throws Exception {
        newTopic(info, 1);
        KafkaProducer<String, byte[]> producer = rawProducer();
        ProfileEngine engine = closing(ProfileEngine.builder().store(closing(new InMemoryProfileStore()))
                .reducer(ProfileReducer.builder().on("page_view", (e, p) -> p.increment("page_views"))
                        .latePolicy(io.profilekit.LatePolicy.SIDE_OUTPUT).build())
                .lateEventHandler(new LateEventsToKafka(producer, TopicSetup.LATE_EVENTS)).build());
        started(processor(engine));
        KafkaEventPublisher publisher = publisher();
        publisher.publish(view("lou", 1)).join();
        Event late = Event.of("lou", "page_view").at(Instant.now().minus(Duration.ofHours(2))).with("url", "/old");
        publisher.publish(late).join();

        List<ConsumerRecord<String, byte[]>> sideOutput = readAll(TopicSetup.LATE_EVENTS, r -> "lou".equals(r.key()), 1);
        assertThat(io.profilekit.JsonEventCodec.create().decode(sideOutput.get(0).value()).eventId())
                .isEqualTo(late.eventId());
        assertThat(DeadLetters.header(sideOutput.get(0).headers(), LateEventsToKafka.SOURCE)).contains(topic + "-0");
        assertThat(pageViews(engine, "lou")).isEqualTo(1);
    }

    @Test
    void topicSetupIsIdempotentAndCompactsProfileUpdates() throws Exception {
        assertThat(TopicSetup.builder().partitions(3).build().apply(broker.bootstrapServers()))
                .as("every topic existed already").isEmpty();
        var resource = new org.apache.kafka.common.config.ConfigResource(
                org.apache.kafka.common.config.ConfigResource.Type.TOPIC, TopicSetup.PROFILE_UPDATES);
        assertThat(admin.describeConfigs(List.of(resource)).all().get().get(resource).get("cleanup.policy").value())
                .isEqualTo("compact");
        assertThat(admin.describeTopics(List.of(TopicSetup.DEAD_LETTERS)).allTopicNames().get()
                .get(TopicSetup.DEAD_LETTERS).partitions()).hasSize(3);
    }

    @Test
    void anInvalidEventIsRefusedByThePublisherAndNothingIsSent(TestInfo info) throws Exception {
        newTopic(info, 1);
        KafkaEventPublisher publisher = publisher();
        CompletableFuture<?> f = publisher.publish(Event.of("sam", "purchase").with("amount", "12,50 EUR"));
        assertThatThrownBy(f::join).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(InvalidEventException.class).hasMessageContaining("amount");
        assertThat(admin.listOffsets(Map.of(new org.apache.kafka.common.TopicPartition(topic, 0),
                org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get().values())
                .extracting(org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo::offset)
                .containsExactly(0L);
    }

    @Test
    void eachChangedProfileGetsAChangeRecordAndOtherInstancesHearOfIt(TestInfo info) throws Exception {
        newTopic(info, 3);
        ProfileEngine engine = engine(closing(new InMemoryProfileStore()));
        List<String> heard = new CopyOnWriteArrayList<>();
        ProfileUpdatesListener listener = closing(ProfileUpdatesListener.builder()
                .bootstrapServers(broker.bootstrapServers()).onUpdate(heard::add).build().start());
        await(WAIT, listener::ready);
        started(processor(engine));
        KafkaEventPublisher publisher = publisher();
        Event first = view("una", 1);
        publisher.publish(first).join();

        await(WAIT, () -> heard.contains("una"));
        List<ConsumerRecord<String, byte[]>> updates = readAll(TopicSetup.PROFILE_UPDATES,
                r -> "una".equals(r.key()), 1);
        String json = new String(updates.get(0).value(), StandardCharsets.UTF_8);
        assertThat(json).contains("\"userId\":\"una\"")
                .contains("\"page_views\":{\"before\":null,\"after\":1}")
                .contains("\"last_url\":{\"before\":null,\"after\":\"/p/1\"}")
                .contains("\"causes\":[\"" + first.eventId() + "\"]");
    }

    @Test
    void anEraseThroughTheProcessorsEngineIsPublishedAsATombstoneAfterTheUsersChanges(TestInfo info) throws Exception {
        newTopic(info, 3);
        ProfileEngine engine = engine(closing(new InMemoryProfileStore()));
        List<String> heard = new CopyOnWriteArrayList<>();
        ProfileUpdatesListener listener = closing(ProfileUpdatesListener.builder()
                .bootstrapServers(broker.bootstrapServers()).onUpdate(heard::add).build().start());
        await(WAIT, listener::ready);
        KafkaProfileProcessor processor = started(processor(engine));
        publisher().publish(view("eva", 1)).join();
        await(WAIT, () -> heard.contains("eva"));

        engine.erase("eva");
        List<ConsumerRecord<String, byte[]>> records = readAll(TopicSetup.PROFILE_UPDATES, r -> "eva".equals(r.key()), 2);
        assertThat(records).hasSize(2);
        assertThat(records.get(0).value()).as("the change record").isNotNull();
        assertThat(records.get(1).value()).as("the tombstone").isNull();
        await(WAIT, () -> heard.stream().filter("eva"::equals).count() == 2);
        assertThat(processor.metrics().changesPublished()).isEqualTo(2);
    }

    @Test
    void anotherInstancesNearCacheIsInvalidatedByItsProfileUpdatesListener(TestInfo info) throws Exception {
        newTopic(info, 3);
        ProfileEngine applying = engine(redisStore());
        NearCachedProfileStore near = NearCachedProfileStore.builder(redisStore()).maxStaleness(Duration.ofMinutes(10))
                .build();
        ProfileEngine reading = engine(near);
        started(processor(applying));
        KafkaEventPublisher publisher = publisher();
        publisher.publish(view("nia", 1)).join();
        await(WAIT, () -> pageViews(applying, "nia") == 1);
        assertThat(pageViews(reading, "nia")).as("now cached for 10 minutes").isEqualTo(1);

        ProfileUpdatesListener listener = closing(ProfileUpdatesListener.builder()
                .bootstrapServers(broker.bootstrapServers()).onUpdate(near::invalidate).build().start());
        await(WAIT, listener::ready);
        publisher.publish(view("nia", 2)).join();
        await(WAIT, () -> pageViews(applying, "nia") == 2);
        await(WAIT, () -> pageViews(reading, "nia") == 2, () -> "near cache still serves " + pageViews(reading, "nia"));
        assertThat(listener.updatesSeen()).isPositive();
    }

    @Test
    void whileRedisIsStoppedForTenSecondsTheProcessorPausesThenAppliesEverythingOnce(TestInfo info) throws Exception {
        newTopic(info, 3);
        ProfileEngine engine = closing(ProfileEngine.builder().reducer(REDUCER).store(redisStore())
                .storeRetries(1, Duration.ofMillis(10)).build());
        KafkaProfileProcessor processor = started(processor(engine)
                .retryBackoff(Duration.ofMillis(50)).maxRetryBackoff(Duration.ofSeconds(1)));
        KafkaEventPublisher publisher = publisher();
        Map<String, Long> expected = new HashMap<>(publishViews(publisher, "r", 30, 300));
        await(WAIT, () -> processor.metrics().applied() == 300);

        redis.stop();
        long stoppedAt = System.nanoTime();
        CompletableFuture<Map<String, Long>> during = CompletableFuture.supplyAsync(
                () -> publishViews(publisher, "r", 30, 600));
        await(WAIT, () -> processor.metrics().paused());
        await(WAIT, () -> System.nanoTime() - stoppedAt >= Duration.ofSeconds(10).toNanos());
        during.join().forEach((u, n) -> expected.merge(u, n, Long::sum));
        ProcessorMetrics whileDown = processor.metrics();
        assertThat(whileDown.paused()).isTrue();
        assertThat(whileDown.applied()).isEqualTo(300);
        assertThat(whileDown.revocations()).isZero();
        redis.restart();

        await(WAIT, () -> processor.metrics().applied() == 900, () -> processor.metrics().toString());
        assertThat(pageViews(engine, expected.keySet())).isEqualTo(expected);
        assertThat(processor.metrics().paused()).isFalse();
        assertThat(processor.metrics().duplicates()).isZero();
    }

    @Test
    void closeCommitsWhatWasAppliedSoTheNextProcessorReadsNothingAgain(TestInfo info) throws Exception {
        newTopic(info, 3);
        InMemoryProfileStore shared = closing(new InMemoryProfileStore());
        ProfileEngine engine = engine(shared);
        KafkaProfileProcessor first = processor(engine).build().start();
        KafkaEventPublisher publisher = publisher();
        Map<String, Long> expected = publishViews(publisher, "k", 5, 250);
        await(WAIT, () -> first.metrics().applied() == 250);
        first.close();
        assertThat(first.isRunning()).isFalse();

        KafkaProfileProcessor second = started(processor(engine(shared)));
        publisher.publish(view("k0", 9999)).join();
        await(WAIT, () -> second.metrics().records() >= 1);
        assertThat(second.metrics().records()).isEqualTo(1);
        assertThat(second.metrics().duplicates()).isZero();
        assertThat(pageViews(engine, "k0")).isEqualTo(expected.get("k0") + 1);
    }

}
