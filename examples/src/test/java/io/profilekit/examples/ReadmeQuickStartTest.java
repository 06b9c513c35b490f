package io.profilekit.examples;

import io.profilekit.Event;
import io.profilekit.Profile;
import io.profilekit.ProfileEngine;
import io.profilekit.ProfileReducer;
import io.profilekit.RecordResult;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's quick start, as written there: it must compile and do what the comments say. */
class ReadmeQuickStartTest {

    @Test
    void theQuickStartDoesWhatTheReadmeSays() {
        ProfileReducer reducer = ProfileReducer.builder()
                .on("page_view", (e, p) -> p.increment("page_views")
                        .set("last_url", e.string("url"))
                        .recent("recent_pages", e.string("url"), 10))
                .on("purchase", (e, p) -> p.increment("purchases")
                        .add("lifetime_value", e.decimal("amount"))
                        .setOnce("first_purchase_at", e.timestamp())
                        .topN("favorite_categories", e.string("category"), 5))
                .onEvery((e, p) -> p.decay("engagement", 1.0, Duration.ofDays(7)))
                .build();

        try (ProfileEngine engine = ProfileEngine.builder().reducer(reducer).build()) {
            Event purchase = Event.of("u42", "purchase").withId("purchase-o-1").at(Instant.now())
                    .with("order_id", "o-1").with("amount", 19.99).with("currency", "EUR").with("category", "shoes");
            RecordResult r = engine.record(purchase).join();
            assertThat(r.outcome()).isEqualTo(RecordResult.Outcome.APPLIED);
            assertThat(engine.record(purchase).join().outcome()).isEqualTo(RecordResult.Outcome.DUPLICATE);
            Profile p = engine.get("u42").orElseThrow();
            assertThat(p.getLong("purchases")).contains(1L);
            assertThat(p.getDecimal("lifetime_value")).contains(new BigDecimal("19.99"));
            assertThat(p.getDouble("engagement").orElseThrow()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
            assertThat(p.getList("favorite_categories")).isEqualTo(List.of("shoes"));
        }
    }
}
