package io.profilekit.redis;

import io.profilekit.Event;
import io.profilekit.MutableClock;
import io.profilekit.Profile;
import io.profilekit.ProfileEngine;
import io.profilekit.ProfileStoreException;
import io.profilekit.RecordResult;
import io.profilekit.StaleCopiesException;
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileWrite;
import io.profilekit.spi.SeenEvents;
import io.profilekit.spi.WriteOutcome;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.profilekit.redis.Purchases.CENT;
import static io.profilekit.redis.Purchases.T0;
import static io.profilekit.redis.Purchases.purchase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Redis stopped and started again (append-only file on) while an engine writes. */
class RedisRestartTest extends RedisTestBase {

    @Test
    void aWriterThatRetriesFailedBatchesEndsWithExactTotalsAfterARestart() throws Exception {
        int users = 40;
        int batches = 120;
        int perBatch = 50;
        RedisProfileStore store = RedisProfileStore.builder(client).keyPrefix("restart:").build();
        CountDownLatch halfWay = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch sawFailure = new CountDownLatch(1);
        CountDownLatch restarted = new CountDownLatch(1);
        AtomicInteger failures = new AtomicInteger();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (ProfileEngine engine = ProfileEngine.builder().reducer(Purchases.REDUCER).store(store)
                .clock(new MutableClock(T0.plusSeconds(3600))).build()) {
            Future<?> done = writer.submit(() -> {
                int n = 0;
                for (int b = 0; b < batches; b++) {
                    List<Event> batch = new ArrayList<>();
                    for (int i = 0; i < perBatch; i++, n++) {
                        batch.add(purchase("r-" + n, "user-" + (n % users), n));
                    }
                    // like a consumer: a failed batch is applied again until it goes through
                    for (int attempt = 1; ; attempt++) {
                        try {
                            List<RecordResult> results = engine.recordAll(batch).join();
                            assertThat(results).allMatch(r -> r.outcome() == RecordResult.Outcome.APPLIED
                                    || r.outcome() == RecordResult.Outcome.DUPLICATE);
                            break;
                        } catch (CompletionException e) {
                            assertThat(e.getCause()).isInstanceOf(ProfileStoreException.class);
                            failures.incrementAndGet();
                            sawFailure.countDown();
                            if (!restarted.await(2, TimeUnit.MINUTES)) {
                                throw new AssertionError("Redis was not restarted");
                            }
                            if (attempt > 50) {
                                throw new AssertionError("batch " + b + " still failing after the restart", e);
                            }
                        }
                    }
                    if (b == batches / 2) {
                        halfWay.countDown();
                        // the second half is written while Redis is down: it cannot finish first
                        if (!stopped.await(2, TimeUnit.MINUTES)) {
                            throw new AssertionError("Redis was not stopped");
                        }
                    }
                }
                return null;
            });
            assertThat(halfWay.await(2, TimeUnit.MINUTES)).isTrue();
            redis.stop();
            stopped.countDown();
            try {
                assertThat(sawFailure.await(2, TimeUnit.MINUTES)).as("the writer noticed Redis was down").isTrue();
            } finally {
                redis.restart(); // for the other tests too, whatever happened
                restarted.countDown();
            }
            done.get(5, TimeUnit.MINUTES);

            assertThat(failures.get()).isPositive();
            long total = 0;
            for (int u = 0; u < users; u++) {
                Profile p = engine.get("user-" + u).orElseThrow();
                long expected = (long) batches * perBatch / users;
                assertThat(p.getLong("purchases")).as("user-" + u).contains(expected);
                assertThat(p.getDecimal("revenue")).as("user-" + u).contains(CENT.multiply(BigDecimal.valueOf(expected)));
                total += expected;
            }
            assertThat(total).isEqualTo((long) batches * perBatch);
            // writes that landed just before the stop come back as duplicates when their batch is retried
            assertThat(engine.metrics().applied() + engine.metrics().duplicates()).isEqualTo((long) batches * perBatch);
        } finally {
            writer.shutdownNow();
        }
    }

    @Test
    void whileRedisIsDownTheNearCacheServesLastKnownGoodMarkedWithItsAge() {
        AtomicLong nanos = new AtomicLong();
        NearCachedProfileStore near = NearCachedProfileStore.builder(
                        RedisProfileStore.builder(client).keyPrefix("lkg:").build())
                .ticker(nanos::get).maxStaleness(Duration.ofMillis(200)).serveStaleWhenDown(true).build();
        try (ProfileEngine engine = ProfileEngine.builder().reducer(Purchases.REDUCER).store(near)
                .clock(new MutableClock(T0.plusSeconds(3600))).build()) {
            engine.recordAll(List.of(purchase("l1", "u1", 1), purchase("l2", "u1", 2))).join();
            redis.stop();
            try {
                nanos.addAndGet(Duration.ofSeconds(30).toNanos());
                io.profilekit.Profile served = engine.get("u1").orElseThrow();
                assertThat(served.getLong("purchases")).contains(2L);
                assertThat(served.freshness().stale()).as("served from a copy, and marked so").isTrue();
                assertThat(served.freshness().age()).isEqualTo(Duration.ofSeconds(30));
                assertThat(near.staleServed()).isEqualTo(1);
                assertThat(near.lastKnownGood("u1").orElseThrow().age()).isEqualTo(Duration.ofSeconds(30));
                assertThatThrownBy(() -> engine.record(purchase("l3", "u1", 3)).join())
                        .hasCauseInstanceOf(ProfileStoreException.class);
                assertThatThrownBy(() -> engine.get("u2")).as("no copy to fall back on")
                        .isInstanceOf(ProfileStoreException.class);
            } finally {
                redis.restart();
            }
            assertThat(engine.record(purchase("l3", "u1", 3)).join().applied()).isTrue();
            assertThat(engine.get("u1").orElseThrow().getLong("purchases")).contains(3L);
        }
    }

    @Test
    void aProfileRedisNoLongerHoldsIsNotServedAsLastKnownGood() {
        AtomicLong nanos = new AtomicLong();
        NearCachedProfileStore near = NearCachedProfileStore.builder(
                        RedisProfileStore.builder(client).keyPrefix("gone:").build())
                .ticker(nanos::get).maxStaleness(Duration.ofMillis(200)).serveStaleWhenDown(true).build();
        ProfileState v1 = new ProfileState("u1", 1, Map.of(), T0.toEpochMilli(), SeenEvents.empty(), Map.of(),
                ProfileState.NONE);
        assertThat(near.writeAll(List.of(new ProfileWrite(v1, 0, Map.of(), Duration.ofMinutes(1)))))
                .allMatch(WriteOutcome::written);
        client.del("gone:u1"); // what Redis does when the profile's TTL runs out
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(near.loadAll(List.of("u1"))).as("what Redis holds now").isEmpty();
        assertThat(near.lastKnownGood("u1")).as("no copy newer than that load").isEmpty();
        redis.stop();
        try {
            nanos.addAndGet(Duration.ofSeconds(1).toNanos());
            assertThatThrownBy(() -> near.loadAll(List.of("u1")))
                    .isInstanceOfSatisfying(StaleCopiesException.class, stale -> {
                        assertThat(stale.copies()).as("the user had no profile when last loaded").isEmpty();
                        assertThat(stale.ages()).containsEntry("u1", Duration.ofSeconds(1));
                    });
        } finally {
            redis.restart();
        }
    }
}
