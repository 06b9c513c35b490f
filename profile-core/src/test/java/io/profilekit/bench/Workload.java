package io.profilekit.bench;

import io.profilekit.Event;
import io.profilekit.ProfileReducer;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The benchmark workload: a reducer of about ten attributes of mixed operations, and pre-built
 * events whose users follow a Zipf distribution. Shared by the benchmarks so that the baseline and
 * the engine see the same events.
 */
public final class Workload {
    public static final Instant T0 = Instant.parse("2026-11-28T00:00:00Z");

    private Workload() {
    }

    /** page views, clicks and purchases; about ten attributes of mixed operations per profile. */
    public static ProfileReducer reducer() {
        return ProfileReducer.builder()
                .on("page_view", (e, p) -> p.increment("page_views")
                        .set("last_url", e.string("url"))
                        .recent("recent_pages", e.string("url"), 10))
                .on("click", (e, p) -> p.increment("clicks")
                        .topN("top_elements", e.string("element"), 5))
                .on("purchase", (e, p) -> p.increment("purchases")
                        .add("lifetime_value", e.decimal("amount"))
                        .max("largest_order", e.decimal("amount"))
                        .setOnce("first_purchase_at", e.timestamp())
                        .topN("favorite_categories", e.string("category"), 5))
                .onEvery((e, p) -> p.set("last_seen", e.timestamp())
                        .windowedCount("events_24h", Duration.ofHours(24), Duration.ofHours(1))
                        .decay("engagement", 1.0, Duration.ofDays(7)))
                .build();
    }

    /** Samples ranks 0..n-1 with probability proportional to 1 / (rank + 1)^s. */
    public static final class Zipf {
        private final double[] cdf;

        public Zipf(int n, double s) {
            cdf = new double[n];
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += 1.0 / Math.pow(i + 1, s);
                cdf[i] = sum;
            }
            for (int i = 0; i < n; i++) {
                cdf[i] /= sum;
            }
        }

        public int sample(SplittableRandom random) {
            double u = random.nextDouble();
            int lo = 0;
            int hi = cdf.length - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cdf[mid] < u) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }

    private static final String[] URLS = {"/", "/shoes", "/shoes/trail-runner-2", "/socks", "/cart", "/checkout",
        "/account", "/search?q=boots", "/sale", "/help"};
    private static final String[] ELEMENTS = {"add-to-cart", "filter-size", "filter-color", "menu", "logo", "buy-now"};
    private static final String[] CATEGORIES = {"shoes", "socks", "shirts", "hats", "bags", "outdoor", "kids"};

    /** {@code count} events over {@code users} Zipf(1.0) users, 70 % page views, 20 % clicks, 10 % purchases. */
    public static Event[] events(int count, int users, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Zipf zipf = new Zipf(users, 1.0);
        String[] userIds = new String[users];
        Event[] events = new Event[count];
        for (int i = 0; i < count; i++) {
            int u = zipf.sample(random);
            String user = userIds[u] != null ? userIds[u] : (userIds[u] = "user-" + u);
            Instant t = T0.plusMillis(i * 10L + random.nextInt(5000));
            int kind = random.nextInt(10);
            String id = Long.toHexString(seed) + "-" + i;
            Map<String, Object> props;
            String type;
            if (kind < 7) {
                type = "page_view";
                props = Map.of("url", URLS[random.nextInt(URLS.length)]);
            } else if (kind < 9) {
                type = "click";
                props = Map.of("element", ELEMENTS[random.nextInt(ELEMENTS.length)]);
            } else {
                type = "purchase";
                props = Map.of("order_id", "o-" + i, "amount", BigDecimal.valueOf(100 + random.nextInt(20000), 2),
                        "currency", "EUR", "category", CATEGORIES[random.nextInt(CATEGORIES.length)]);
            }
            events[i] = new Event(id, user, type, t, Optional.empty(), props);
        }
        return events;
    }
}
