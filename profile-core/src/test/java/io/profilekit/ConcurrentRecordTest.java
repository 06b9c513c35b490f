package io.profilekit;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Many threads recording for a few hot users at once: every update counts, exactly. */
class ConcurrentRecordTest {
    static final int THREADS = 8;
    static final int EVENTS_PER_THREAD = 100_000;
    static final String[] USERS = {"hot-0", "hot-1", "hot-2", "hot-3"};

    @Test
    void eightThreadsOfAHundredThousandEventsGiveExactTotals() throws Exception {
        Instant t0 = Instant.parse("2026-11-28T10:00:00Z");
        ProfileReducer reducer = ProfileReducer.builder()
                .on("purchase", (e, p) -> p.increment("purchases").add("revenue", e.decimal("amount"))
                        .max("max_amount", e.decimal("amount")).recent("recent_orders", e.string("order_id"), 5))
                .build();
        try (ProfileEngine engine = ProfileEngine.builder().reducer(reducer)
                .clock(new MutableClock(t0.plusSeconds(3600))).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    List<Event> batch = new ArrayList<>();
                    for (int i = 0; i < EVENTS_PER_THREAD; i++) {
                        Event e = new Event("t" + thread + "-" + i, USERS[i % USERS.length], "purchase",
                                t0.plusMillis(i), java.util.Optional.empty(),
                                java.util.Map.of("order_id", "o" + i, "amount", new BigDecimal("0.01"), "currency", "EUR"));
                        if (thread % 2 == 0) {
                            engine.record(e).join();
                        } else {
                            batch.add(e);
                            if (batch.size() == 100) {
                                engine.recordAll(batch).join();
                                batch.clear();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(5, TimeUnit.MINUTES);
            }
            pool.shutdown();
            long perUser = (long) THREADS * EVENTS_PER_THREAD / USERS.length;
            for (String u : USERS) {
                Profile p = engine.get(u).orElseThrow();
                assertThat(p.getLong("purchases")).as(u).contains(perUser);
                assertThat(p.getDecimal("revenue")).as(u).contains(new BigDecimal("0.01").multiply(BigDecimal.valueOf(perUser)));
            }
            assertThat(engine.metrics().applied()).isEqualTo((long) THREADS * EVENTS_PER_THREAD);
            assertThat(engine.metrics().duplicates()).isZero();
        }
    }
}
