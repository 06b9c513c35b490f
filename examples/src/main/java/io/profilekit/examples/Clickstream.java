package io.profilekit.examples;

import io.profilekit.Event;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A synthetic but realistic clickstream: users drawn from a Zipf distribution (a few very active
 * users, a long tail), and per event 60 % page views, 25 % clicks, 10 % form submissions and 5 %
 * purchases, with the properties the built-in schemas and {@link QuickStart#reducer()} expect.
 * Not thread-safe: one per producing thread.
 */
final class Clickstream {
    private static final List<String> PAGES = List.of("/", "/shoes", "/socks", "/shoes/trail-runner-2",
            "/shoes/city-walker", "/sale", "/cart", "/account", "/help", "/blog/running-tips");
    private static final List<String> ELEMENTS = List.of("add-to-cart", "filter-size-38", "filter-color-red",
            "search", "newsletter-banner", "checkout", "nav-sale");
    private static final List<String> CATEGORIES = List.of("shoes", "socks", "apparel", "accessories");
    private static final List<String> REFERRERS = List.of("https://search.example/?q=running+shoes",
            "https://social.example/post/42", "https://ads.example/campaign-7");

    private final SplittableRandom random;
    private final double[] cdf;
    private long orders;

    /** Users {@code u0 .. u(users-1)}, Zipf exponent {@code s} (1.0 is the classic shape). */
    Clickstream(int users, double s, long seed) {
        this.random = new SplittableRandom(seed);
        this.cdf = new double[users];
        double sum = 0;
        for (int i = 0; i < users; i++) {
            sum += 1.0 / Math.pow(i + 1, s);
            cdf[i] = sum;
        }
        for (int i = 0; i < users; i++) {
            cdf[i] /= sum;
        }
    }

    /** The next user, by Zipf rank: {@code u0} is the most active. */
    String nextUser() {
        int i = Arrays.binarySearch(cdf, random.nextDouble());
        return "u" + (i >= 0 ? i : Math.min(-i - 1, cdf.length - 1));
    }

    /** The next event, happening now. */
    Event next() {
        return next(Instant.now());
    }

    Event next(Instant at) {
        String user = nextUser();
        int kind = random.nextInt(100);
        if (kind < 60) {
            Event e = Event.of(user, "page_view").at(at).with("url", pick(PAGES));
            return random.nextInt(10) == 0 ? e.with("referrer", pick(REFERRERS)) : e;
        }
        if (kind < 85) {
            return Event.of(user, "click").at(at).with("element", pick(ELEMENTS));
        }
        if (kind < 95) {
            return Event.of(user, "form_submit").at(at).with("form_id", "newsletter-signup")
                    .with("fields", Map.of("newsletter", random.nextBoolean()));
        }
        BigDecimal amount = BigDecimal.valueOf(500 + random.nextInt(20_000)).divide(BigDecimal.valueOf(100), 2,
                RoundingMode.UNNECESSARY);
        return Event.of(user, "purchase").at(at).with("order_id", "o-" + (++orders) + "-" + random.nextInt(1 << 30))
                .with("amount", amount).with("currency", "EUR").with("category", pick(CATEGORIES));
    }

    private String pick(List<String> from) {
        return from.get(random.nextInt(from.size()));
    }
}
