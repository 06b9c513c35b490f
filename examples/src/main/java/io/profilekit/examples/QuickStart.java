package io.profilekit.examples;

import io.profilekit.EngineMetrics;
import io.profilekit.Event;
import io.profilekit.Profile;
import io.profilekit.ProfileEngine;
import io.profilekit.ProfileReducer;
import io.profilekit.RecordResult;
import io.profilekit.Violation;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ProfileKit in one process: an engine on the in-memory store records a small clickstream
 * (page views, clicks, purchases, a form submission, a resent event, a late event and an invalid
 * one) and prints each profile.
 */
public final class QuickStart {
    static final Instant T0 = Instant.parse("2026-11-28T09:00:00Z");

    private QuickStart() {
    }

    /** The reducer of the demo: what each event type does to a profile. */
    public static ProfileReducer reducer() {
        return ProfileReducer.builder()
                .on("page_view", (e, p) -> p.increment("page_views")
                        .set("last_url", e.string("url"))
                        .recent("recent_pages", e.string("url"), 5)
                        .setOnce("first_referrer", e.string("referrer")))
                .on("click", (e, p) -> p.increment("clicks")
                        .topN("top_elements", e.string("element"), 3))
                .on("purchase", (e, p) -> p.increment("purchases")
                        .add("lifetime_value", e.decimal("amount"))
                        .max("largest_order", e.decimal("amount"))
                        .setOnce("first_purchase_at", e.timestamp())
                        .set("last_purchase_at", e.timestamp())
                        .recent("recent_orders", e.string("order_id"), 10)
                        .topN("favorite_categories", e.string("category"), 3))
                .on("form_submit", (e, p) -> p.setAdd("forms", e.string("form_id"), 20)
                        .set("newsletter", e.map("fields") != null ? e.map("fields").get("newsletter") : null))
                .onEvery((e, p) -> p.set("last_seen", e.timestamp())
                        .decay("engagement", 1.0, Duration.ofDays(7))
                        .windowedCount("events_24h", Duration.ofHours(24), Duration.ofHours(1)))
                .build();
    }

    /** The demo's clickstream, in arrival order. */
    static List<Event> clickstream() {
        List<Event> events = new ArrayList<>();
        events.add(view("alice", 0, "/", "https://search.example/?q=running+shoes"));
        events.add(view("alice", 1, "/shoes", null));
        events.add(click("alice", 2, "filter-size-38"));
        events.add(view("alice", 3, "/shoes/trail-runner-2", null));
        events.add(click("alice", 4, "add-to-cart"));
        Event order = purchase("alice", 6, "o-1001", "129.90", "shoes");
        events.add(order);
        events.add(order); // the tracker resent it: same event id, counted once
        events.add(view("bob", 10, "/", "https://social.example/post/42"));
        events.add(view("bob", 11, "/socks", null));
        events.add(purchase("bob", 15, "o-1002", "12.50", "socks"));
        events.add(Event.of("bob", "form_submit").at(T0.plusSeconds(16 * 60)).withId("bob-form-1")
                .with("form_id", "newsletter-signup").with("fields", Map.of("newsletter", true)));
        events.add(purchase("alice", 40, "o-1003", "24.00", "socks"));
        // arrives last but happened first: it must not overwrite alice's newer last_url
        events.add(view("alice", -30, "/old-landing-page", "https://ads.example/campaign-7"));
        // invalid: amount is not a number and currency is missing
        events.add(Event.of("bob", "purchase").at(T0.plusSeconds(20 * 60)).withId("bob-bad-1")
                .with("order_id", "o-1004").with("amount", "12,50 EUR"));
        return events;
    }

    public static void main(String[] args) {
        run(System.out, Clock.fixed(T0.plus(Duration.ofHours(1)), ZoneOffset.UTC));
    }

    /** Runs the demo, printing to {@code out}; returns the results, for tests. */
    static List<RecordResult> run(PrintStream out, Clock clock) {
        List<RecordResult> results = new ArrayList<>();
        try (ProfileEngine engine = ProfileEngine.builder().reducer(reducer()).clock(clock).build()) {
            for (Event e : clickstream()) {
                RecordResult r = engine.record(e).join();
                results.add(r);
                out.printf("%-9s %-12s %-11s %s%n", r.outcome(), e.userId(), e.type(), e.eventId());
                for (Violation v : r.violations()) {
                    out.println("          rejected: " + v);
                }
            }
            out.println();
            for (String user : List.of("alice", "bob")) {
                Profile p = engine.get(user).orElseThrow();
                out.println("profile " + user + " (version " + p.version() + ", last event "
                        + p.lastEventTime().orElseThrow() + ")");
                p.attributes().forEach((name, value) -> out.printf("  %-20s %s%n", name, format(value)));
                out.println();
            }
            EngineMetrics m = engine.metrics();
            out.printf("%d applied, %d duplicate, %d rejected; %d profile writes; apply latency p50 %.2f ms, p99 %.2f ms%n",
                    m.applied(), m.duplicates(), m.rejected(), m.writes(), m.applyLatencyNanos().p50() / 1e6,
                    m.applyLatencyNanos().p99() / 1e6);
        }
        return results;
    }

    private static String format(Object value) {
        return value instanceof Double d ? String.format("%.3f", d) : String.valueOf(value);
    }

    private static Event view(String user, int minute, String url, String referrer) {
        Event e = Event.of(user, "page_view").at(T0.plusSeconds(minute * 60L)).withId(user + "-view-" + minute)
                .with("url", url);
        return referrer == null ? e : e.with("referrer", referrer);
    }

    private static Event click(String user, int minute, String element) {
        return Event.of(user, "click").at(T0.plusSeconds(minute * 60L)).withId(user + "-click-" + minute)
                .with("element", element);
    }

    private static Event purchase(String user, int minute, String orderId, String amount, String category) {
        return Event.of(user, "purchase").at(T0.plusSeconds(minute * 60L)).withId(orderId)
                .with("order_id", orderId).with("amount", new BigDecimal(amount)).with("currency", "EUR")
                .with("category", category);
    }
}
