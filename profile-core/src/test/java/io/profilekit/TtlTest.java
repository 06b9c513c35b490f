package io.profilekit;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TtlTest {
    static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    final MutableClock clock = new MutableClock(T0);
    final ProfileReducer reducer = ProfileReducer.builder()
            .on("page_view", (e, p) -> p.increment("page_views").set("last_url", e.string("url")))
            .on("click", (e, p) -> p.increment("clicks"))
            .ttl("last_url", Duration.ofDays(1))
            .build();

    @Test
    void anExpiredAttributeIsNeverReadAndIsPurgedAtTheNextWrite() {
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).scheduler(false).build()) {
            e.record(Event.of("u", "page_view").at(T0).with("url", "/a")).join();
            clock.set(T0.plus(Duration.ofHours(23)));
            assertThat(e.get("u").orElseThrow().getString("last_url")).contains("/a");
            clock.set(T0.plus(Duration.ofDays(1)));
            Profile p = e.get("u").orElseThrow();
            assertThat(p.has("last_url")).isFalse();
            assertThat(p.getLong("page_views")).contains(1L);
            assertThat(e.store().loadAll(List.of("u")).get("u").attributes()).containsKey("last_url");

            e.record(Event.of("u", "click").at(clock.instant()).with("element", "b")).join();
            assertThat(e.store().loadAll(List.of("u")).get("u").attributes())
                    .doesNotContainKey("last_url").containsKeys("page_views", "clicks");
        }
    }

    @Test
    void theTtlRunsFromTheEventTimeNotTheArrival() {
        clock.set(T0.plus(Duration.ofHours(30)));
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).scheduler(false)
                .limits(EventLimits.defaults()).build()) {
            e.record(Event.of("u", "page_view").at(T0).with("url", "/a")).join();
            assertThat(e.get("u").orElseThrow().has("last_url")).isFalse();
        }
    }

    @Test
    void aProfileWithoutEventsForTheInactivityTtlDisappears() {
        CountingStore store = new CountingStore(new InMemoryProfileStore());
        Duration[] ttl = new Duration[1];
        store.beforeWrite = writes -> ttl[0] = writes.get(0).ttl();
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).store(store).scheduler(false)
                .profileTtl(Duration.ofDays(30)).build()) {
            clock.set(T0.plus(Duration.ofDays(2)));
            e.record(Event.of("u", "click").at(T0.plus(Duration.ofDays(1))).with("element", "b")).join();
            assertThat(ttl[0]).isEqualTo(Duration.ofDays(29));
            clock.set(T0.plus(Duration.ofDays(30)));
            assertThat(e.get("u")).isPresent();
            clock.set(T0.plus(Duration.ofDays(31)));
            assertThat(e.get("u")).isEmpty();
        }
    }
    /** A TTL past the range of epoch milliseconds ("keep for ever") never expires anything. */
    @Test
    void aTtlAsLongAsTimeItselfNeverExpires() {
        long updated = T0.toEpochMilli();
        long now = updated + 1;
        assertThat(Profile.expired(updated, Duration.ofMillis(Long.MAX_VALUE), now)).isFalse();
        assertThat(Profile.expired(updated, java.time.temporal.ChronoUnit.FOREVER.getDuration(), now)).isFalse();
        assertThat(Profile.expired(updated, Duration.ofDays(1), updated + Duration.ofDays(1).toMillis())).isTrue();
        assertThat(Profile.expired(Long.MIN_VALUE, Duration.ofMillis(Long.MAX_VALUE), now)).isTrue();

        io.profilekit.spi.ProfileState s = new io.profilekit.spi.ProfileState("u", 1,
                java.util.Map.of("visits", new io.profilekit.op.Counter(3, updated)), updated,
                io.profilekit.spi.SeenEvents.empty(), java.util.Map.of(), io.profilekit.spi.ProfileState.NONE);
        Profile p = Profile.of(s, Instant.ofEpochMilli(now), java.util.Map.of("visits", Duration.ofMillis(Long.MAX_VALUE)),
                Profile.Freshness.FRESH);
        assertThat(p.getLong("visits")).contains(3L);
    }

    /** The write keeps what a read keeps: a TTL past the range of epoch milliseconds purges nothing. */
    @Test
    void aWriteKeepsAnAttributeWhoseTtlIsAsLongAsTimeItself() {
        ProfileReducer forever = ProfileReducer.builder()
                .on("page_view", (e, p) -> p.increment("page_views").set("last_url", e.string("url")))
                .ttl("page_views", Duration.ofMillis(Long.MAX_VALUE))
                .ttl("last_url", java.time.temporal.ChronoUnit.FOREVER.getDuration())
                .build();
        try (ProfileEngine e = ProfileEngine.builder().reducer(forever).clock(clock).scheduler(false).build()) {
            assertThat(e.record(Event.of("u", "page_view").at(T0).with("url", "/a")).join().applied()).isTrue();
            Profile p = e.get("u").orElseThrow();
            assertThat(p.getLong("page_views")).contains(1L);
            assertThat(p.getString("last_url")).contains("/a");
            assertThat(e.store().loadAll(List.of("u")).get("u").attributes()).containsKeys("page_views", "last_url");
        }
    }
}
