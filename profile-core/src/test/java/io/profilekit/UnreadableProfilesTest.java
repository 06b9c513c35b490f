package io.profilekit;

import io.profilekit.spi.ProfileState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A stored profile the store cannot read stops neither the batch it is in nor the users around it. */
class UnreadableProfilesTest {
    static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    final MutableClock clock = new MutableClock(T0.plus(Duration.ofHours(1)));
    final ProfileReducer reducer = ProfileReducer.builder()
            .on("page_view", (e, p) -> p.increment("page_views"))
            .build();

    /** An in-memory store whose profiles of the users in {@code damaged} cannot be read. */
    static final class DamagingStore extends CountingStore {
        final Set<String> damaged = new CopyOnWriteArraySet<>();

        DamagingStore() {
            super(new InMemoryProfileStore());
        }

        @Override
        public Map<String, ProfileState> loadAll(Collection<String> userIds) {
            Map<String, ProfileState> all = super.loadAll(userIds);
            Map<String, String> problems = new HashMap<>();
            for (String id : userIds) {
                if (damaged.contains(id) && all.containsKey(id)) {
                    problems.put(id, "key p:" + id + " holds a profile in format 9");
                }
            }
            if (problems.isEmpty()) {
                return all;
            }
            Map<String, ProfileState> readable = new HashMap<>(all);
            readable.keySet().removeAll(problems.keySet());
            throw new UnreadableProfilesException(readable, problems, null);
        }
    }

    static Event view(String user, int minute) {
        return Event.of(user, "page_view").at(T0.plusSeconds(60L * minute)).withId(user + "-" + minute)
                .with("url", "/p" + minute);
    }

    @Test
    void theEventsOfAnUnreadableProfileAreRejectedNamingTheProblemAndTheRestOfTheBatchIsApplied() {
        DamagingStore store = new DamagingStore();
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).store(store).scheduler(false).build()) {
            e.recordAll(List.of(view("ann", 0), view("bob", 0))).join();
            assertThat(e.get("bob")).isPresent(); // read once: the engine keeps a last-known-good copy
            store.damaged.add("bob");

            List<RecordResult> results = e.recordAll(List.of(view("ann", 1), view("bob", 1), view("cid", 1),
                    view("bob", 2))).join();
            assertThat(results).extracting(RecordResult::outcome).containsExactly(RecordResult.Outcome.APPLIED,
                    RecordResult.Outcome.REJECTED, RecordResult.Outcome.APPLIED, RecordResult.Outcome.REJECTED);
            assertThat(results.get(1).violations()).singleElement().hasToString(
                    "profile: the stored profile of user bob cannot be read: key p:bob holds a profile in format 9");
            assertThat(e.get("ann").orElseThrow().getLong("page_views")).contains(2L);
            assertThat(e.get("cid").orElseThrow().getLong("page_views")).contains(1L);
            assertThat(e.metrics().rejected()).isEqualTo(2);

            // reads of it serve this engine's copy of it marked stale; without a copy they fail
            Profile copy = e.get("bob").orElseThrow();
            assertThat(copy.freshness().stale()).isTrue();
            assertThat(copy.getLong("page_views")).contains(1L);
            Map<String, Profile> both = e.getAll(List.of("ann", "bob"));
            assertThat(both.get("ann").freshness().stale()).as("read as it is").isFalse();
            assertThat(both.get("ann").getLong("page_views")).contains(2L);
            assertThat(both.get("bob").freshness().stale()).isTrue();
            try (ProfileEngine other = ProfileEngine.builder().reducer(reducer).clock(clock).store(store)
                    .scheduler(false).build()) {
                assertThatThrownBy(() -> other.getAll(List.of("ann", "bob")))
                        .isInstanceOf(UnreadableProfilesException.class).hasMessageContaining("format 9");
            }

            // once repaired (here: readable again), the user's next events apply on top of what was there
            store.damaged.clear();
            assertThat(e.record(view("bob", 3)).join().applied()).isTrue();
            assertThat(e.get("bob").orElseThrow().getLong("page_views")).contains(2L);
        }
    }

    @Test
    void maintenanceEndsTheOtherSessionsAndFlushesTheOtherUsersWhileAProfileCannotBeRead() {
        DamagingStore store = new DamagingStore();
        ProfileReducer withSessions = ProfileReducer.builder()
                .on("page_view", (e, p) -> p.increment("page_views").set("last_url", e.string("url")))
                .critical("last_url")
                .session((e, s) -> s.increment("events"))
                .build();
        try (ProfileEngine e = ProfileEngine.builder().reducer(withSessions).clock(clock).store(store)
                .scheduler(false).sessions(Duration.ofMinutes(30)).flushInterval(Duration.ofSeconds(1)).build()) {
            e.recordAll(List.of(view("ann", 0), view("bob", 0))).join();
            store.damaged.add("bob");
            clock.set(T0.plus(Duration.ofHours(2)));

            e.maintain(); // ends idle sessions, then flushes: neither stops at bob
            Profile ann = e.get("ann").orElseThrow();
            assertThat(ann.getLong("sessions")).contains(1L);
            assertThat(ann.getLong("page_views")).as("flushed").contains(1L);
            assertThat(e.session("ann")).isEmpty();
            assertThat(e.session("bob")).as("kept live for the next run").isPresent();

            store.damaged.clear();
            e.maintain();
            Profile bob = e.get("bob").orElseThrow();
            assertThat(bob.getLong("sessions")).contains(1L);
            assertThat(bob.getLong("page_views")).as("its deferred part, kept for the next flush").contains(1L);
            assertThat(e.session("bob")).isEmpty();
        }
    }
}
