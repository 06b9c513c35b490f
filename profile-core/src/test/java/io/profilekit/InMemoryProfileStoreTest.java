package io.profilekit;

import com.github.benmanes.caffeine.cache.Ticker;
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileStore;
import io.profilekit.spi.ProfileWrite;
import io.profilekit.spi.SeenEvents;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class InMemoryProfileStoreTest extends ProfileStoreContract {

    @Override
    protected ProfileStore createStore() {
        return new InMemoryProfileStore();
    }

    @Test
    void aProfileExpiresWhenItsTtlPassesWithoutAWrite() {
        AtomicLong nanos = new AtomicLong();
        Ticker ticker = nanos::get;
        InMemoryProfileStore s = InMemoryProfileStore.builder().ticker(ticker).build();
        ProfileState st = new ProfileState("ttl", 1, Map.of(), 1L, SeenEvents.empty(), Map.of(), ProfileState.NONE);
        s.writeAll(List.of(new ProfileWrite(st, 0, Map.of(), Duration.ofMinutes(10))));
        nanos.addAndGet(Duration.ofMinutes(9).toNanos());
        assertThat(s.loadAll(List.of("ttl"))).containsKey("ttl");
        nanos.addAndGet(Duration.ofMinutes(2).toNanos());
        assertThat(s.loadAll(List.of("ttl"))).isEmpty();
    }

    @Test
    void withoutTtlAProfileStaysWhateverTheTime() {
        AtomicLong nanos = new AtomicLong();
        InMemoryProfileStore s = InMemoryProfileStore.builder().ticker(nanos::get).build();
        ProfileState st = new ProfileState("keep", 1, Map.of(), 1L, SeenEvents.empty(), Map.of(), ProfileState.NONE);
        s.writeAll(List.of(new ProfileWrite(st, 0, Map.of(), Duration.ZERO)));
        nanos.addAndGet(Duration.ofDays(3650).toNanos());
        assertThat(s.loadAll(List.of("keep"))).containsKey("keep");
    }

    @Test
    void aTombstoneGoesAfterItsRetention() {
        AtomicLong nanos = new AtomicLong();
        InMemoryProfileStore s = InMemoryProfileStore.builder().ticker(nanos::get)
                .tombstoneRetention(Duration.ofDays(1)).build();
        s.erase("gone", Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(s.loadAll(List.of("gone"))).containsKey("gone");
        nanos.addAndGet(Duration.ofDays(1).plusSeconds(1).toNanos());
        assertThat(s.loadAll(List.of("gone"))).isEmpty();
    }

    @Test
    void aStateCarryingAnEraseTimeLivesAtLeastAsLongAsATombstoneWhateverItsWriteAsks() {
        AtomicLong nanos = new AtomicLong();
        InMemoryProfileStore s = InMemoryProfileStore.builder().ticker(nanos::get)
                .tombstoneRetention(Duration.ofDays(30)).build();
        s.erase("gone", Instant.parse("2026-01-01T00:00:00Z"));
        ProfileState tombstone = s.loadAll(List.of("gone")).get("gone");
        // the tombstone written again (say with a fence moved) by an engine whose profile TTL is a week
        ProfileState moved = new ProfileState("gone", tombstone.version() + 1, Map.of(), ProfileState.NONE,
                SeenEvents.empty(), Map.of("events-0", 7L), tombstone.erasedAt());
        assertThat(s.writeAll(List.of(new ProfileWrite(moved, tombstone.version(), Map.of("events-0", 7L),
                Duration.ofDays(7)))).get(0).written()).isTrue();
        nanos.addAndGet(Duration.ofDays(8).toNanos());
        assertThat(s.loadAll(List.of("gone"))).as("past the write's TTL, within the retention").containsKey("gone");
        nanos.addAndGet(Duration.ofDays(23).toNanos());
        assertThat(s.loadAll(List.of("gone"))).isEmpty();
    }
}
