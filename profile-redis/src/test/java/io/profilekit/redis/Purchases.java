package io.profilekit.redis;

import io.profilekit.Event;
import io.profilekit.ProfileReducer;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** A purchase reducer and purchase events, for tests that check exact totals. */
final class Purchases {
    static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    static final BigDecimal CENT = new BigDecimal("0.01");
    static final ProfileReducer REDUCER = ProfileReducer.builder()
            .on("purchase", (e, p) -> p.increment("purchases")
                    .add("revenue", e.decimal("amount"))
                    .max("max_amount", e.decimal("amount"))
                    .recent("recent_orders", e.string("order_id"), 5))
            .build();

    private Purchases() {
    }

    /** A one-cent purchase with a unique id at {@code T0 + i ms}. */
    static Event purchase(String id, String user, long i) {
        return new Event(id, user, "purchase", T0.plusMillis(i), Optional.empty(),
                Map.of("order_id", "o-" + id, "amount", CENT, "currency", "EUR"));
    }
}
