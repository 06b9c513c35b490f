package io.profilekit;

import io.profilekit.spi.SessionState;
import io.profilekit.spi.SessionStore;
import io.profilekit.spi.SessionWrite;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class SessionsTest {
    static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    final MutableClock clock = new MutableClock(T0);
    final ProfileReducer reducer = ProfileReducer.builder()
            .on("page_view", (e, p) -> p.increment("page_views"))
            .on("click", (e, p) -> p.increment("clicks"))
            .session((e, s) -> s.increment("events").setAdd("urls", e.string("url"), 10))
            .build();

    ProfileEngine engine() {
        return ProfileEngine.builder().reducer(reducer).clock(clock).scheduler(false)
                .sessions(Duration.ofMinutes(30)).build();
    }

    static Event view(String user, int minute, String url) {
        return Event.of(user, "page_view").at(T0.plusSeconds(60L * minute)).withId(user + "-" + minute)
                .with("url", url);
    }

    @Test
    void aLiveSessionIsReadableAndAGapByEventTimeCommitsIt() {
        try (ProfileEngine e = engine()) {
            clock.set(T0.plusSeconds(3600 * 3));
            e.record(view("u", 0, "/a")).join();
            e.record(view("u", 5, "/b")).join();
            e.record(view("u", 12, "/a")).join();
            Session live = e.session("u").orElseThrow();
            assertThat(live.events()).isEqualTo(3);
            assertThat(live.pageViews()).isEqualTo(3);
            assertThat(live.duration()).isEqualTo(Duration.ofMinutes(12));
            assertThat(live.aggregates()).containsEntry("events", 3L);
            assertThat(e.get("u").orElseThrow().has("sessions")).isFalse();

            e.record(view("u", 60, "/c")).join();
            Profile p = e.get("u").orElseThrow();
            assertThat(p.getLong("sessions")).contains(1L);
            assertThat(p.getLong("last_session_duration")).contains(Duration.ofMinutes(12).toMillis());
            assertThat(p.getLong("total_session_time")).contains(Duration.ofMinutes(12).toMillis());
            assertThat(p.getDouble("avg_session_pages")).contains(3.0);
            assertThat(p.getList("last_session.urls")).containsExactlyInAnyOrder("/a", "/b");
            assertThat(e.session("u").orElseThrow().events()).isEqualTo(1);
            assertThat(e.metrics().sessionsCommitted()).isEqualTo(1);
        }
    }

    @Test
    void aSessionRuleThatRefusesAnEventRejectsThatEventAloneAndTheBatchGoesOn() {
        ProfileReducer strict = ProfileReducer.builder()
                .on("page_view", (e, p) -> p.increment("page_views"))
                .session((e, s) -> s.set("ref", e.string("ref")))
                .build();
        try (ProfileEngine e = ProfileEngine.builder().reducer(strict).clock(clock).scheduler(false)
                .sessions(Duration.ofMinutes(30)).build()) {
            Event good = view("u", 0, "/a").with("ref", "mail");
            Event refused = view("v", 1, "/b").with("ref", 42L);
            List<RecordResult> results = e.recordAll(List.of(good, refused)).join();
            assertThat(results).extracting(RecordResult::outcome)
                    .containsExactly(RecordResult.Outcome.APPLIED, RecordResult.Outcome.REJECTED);
            assertThat(results.get(1).violations()).singleElement().satisfies(v ->
                    assertThat(v.toString()).contains("ref").contains("42"));
            assertThat(e.get("u").orElseThrow().getLong("page_views")).contains(1L);
            assertThat(e.session("u").orElseThrow().aggregates()).containsEntry("ref", "mail");
            assertThat(e.get("v")).isEmpty();
        }
    }

    @Test
    void aSessionKeptLiveAcrossAnEraseIsDroppedNotCommittedIntoTheErasedProfile() {
        try (ProfileEngine e = engine()) {
            clock.set(T0.plusSeconds(3600));
            e.record(view("u", 0, "/a")).join();
            e.record(view("u", 5, "/b")).join();
            // another instance's erase: the profile becomes a tombstone, the live session stays
            e.store().erase("u", T0.plusSeconds(600));
            clock.set(T0.plusSeconds(3 * 3600));
            e.maintain(); // the session is idle past the gap: due for its commit
            assertThat(e.session("u")).isEmpty();
            assertThat(e.get("u")).as("nothing of the erased events comes back").isEmpty();
            assertThat(e.metrics().sessionsCommitted()).isZero();
        }
    }

    @Test
    void aSessionBegunBeforeAnotherInstancesEraseIsNotCarriedOnAfterIt() {
        try (ProfileEngine e = engine()) {
            clock.set(T0.plusSeconds(3600));
            e.record(view("u", 0, "/a")).join();
            e.record(view("u", 5, "/b")).join();
            e.store().erase("u", T0.plusSeconds(600)); // another instance; the live session stays
            e.record(view("u", 12, "/c")).join(); // within the gap of the erased session
            Session live = e.session("u").orElseThrow();
            assertThat(live.events()).as("a new session, from the event after the erase").isEqualTo(1);
            assertThat(live.aggregates()).containsEntry("events", 1L);
        }
    }

    @Test
    void theClockEndsAnIdleSessionOnceWithoutACallerPolling() {
        try (ProfileEngine e = engine()) {
            e.record(view("u", 0, "/a")).join();
            e.record(view("u", 10, "/b")).join();
            clock.set(T0.plus(Duration.ofMinutes(39)));
            e.maintain();
            assertThat(e.session("u")).isPresent();
            clock.set(T0.plus(Duration.ofMinutes(40)));
            e.maintain();
            e.maintain();
            assertThat(e.session("u")).isEmpty();
            assertThat(e.get("u").orElseThrow().getLong("sessions")).contains(1L);
        }
    }

    @Test
    void theEnginesOwnSchedulerCommitsIdleSessionsAndStopsWithIt() {
        ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock)
                .sessions(Duration.ofMinutes(30)).maintenanceInterval(Duration.ofMillis(5)).build();
        try (e) {
            e.record(view("u", 0, "/a")).join();
            clock.set(T0.plus(Duration.ofMinutes(31)));
            // the profile write comes first, then the live session's removal
            Await.until(Duration.ofSeconds(10), "the idle session to be committed and removed",
                    () -> e.session("u").isEmpty());
            assertThat(e.get("u").orElseThrow().getLong("sessions")).contains(1L);
        }
        Await.until(Duration.ofSeconds(10), "the maintenance thread to stop", () -> Thread.getAllStackTraces()
                .keySet().stream().noneMatch(t -> t.getName().equals("profilekit-maintenance") && t.isAlive()));
    }

    @Test
    void aSessionStoreFailureAfterTheProfileWriteKeepsTheProfileAndIsReported() {
        InMemorySessionStore real = new InMemorySessionStore();
        boolean[] fail = {true};
        io.profilekit.spi.SessionStore flaky = new io.profilekit.spi.SessionStore() {
            @Override
            public java.util.Map<String, io.profilekit.spi.SessionState> loadAll(java.util.Collection<String> ids) {
                return real.loadAll(ids);
            }

            @Override
            public boolean write(io.profilekit.spi.SessionState state) {
                if (fail[0]) {
                    throw new IllegalStateException("session store down");
                }
                return real.write(state);
            }

            @Override
            public boolean remove(String userId, String sessionId, long version) {
                return real.remove(userId, sessionId, version);
            }

            @Override
            public List<io.profilekit.spi.SessionState> idle(long before, int limit) {
                return real.idle(before, limit);
            }

            @Override
            public void erase(String userId) {
                real.erase(userId);
            }
        };
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).scheduler(false)
                .sessionStore(flaky).sessions(Duration.ofMinutes(30)).build()) {
            assertThat(e.record(view("u", 0, "/a")).join().applied()).isTrue();
            assertThat(e.get("u").orElseThrow().getLong("page_views")).contains(1L);
            assertThat(e.session("u")).isEmpty();
            assertThat(e.metrics().storeFailures()).isEqualTo(1);
            fail[0] = false;
            e.record(view("u", 1, "/b")).join();
            assertThat(e.session("u").orElseThrow().events()).isEqualTo(1);
        }
    }

    @Test
    void aSessionStoreFailureNamesTheSessionStore() {
        io.profilekit.spi.SessionStore broken = new io.profilekit.spi.SessionStore() {
            @Override
            public java.util.Map<String, io.profilekit.spi.SessionState> loadAll(java.util.Collection<String> ids) {
                throw new IllegalStateException("sessions unreachable");
            }

            @Override
            public boolean write(io.profilekit.spi.SessionState state) {
                return true;
            }

            @Override
            public boolean remove(String userId, String sessionId, long version) {
                return true;
            }

            @Override
            public List<io.profilekit.spi.SessionState> idle(long before, int limit) {
                return List.of();
            }

            @Override
            public void erase(String userId) {
            }
        };
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).scheduler(false)
                .sessionStore(broken).sessions(Duration.ofMinutes(30)).build()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> e.session("u"))
                    .isInstanceOf(ProfileStoreException.class)
                    .hasMessageContaining("session store " + broken.getClass().getName() + " failed")
                    .hasMessageContaining("sessions unreachable");
        }
    }

    @Test
    void duplicatesAndLateEventsOfACommittedSessionDoNotCommitItAgain() {
        try (ProfileEngine e = engine()) {
            List<Event> first = List.of(view("u", 0, "/a"), view("u", 3, "/b"), view("u", 6, "/c"));
            first.forEach(ev -> e.record(ev).join());
            clock.set(T0.plus(Duration.ofMinutes(50)));
            e.maintain();
            first.forEach(ev -> e.record(ev).join());
            e.record(view("u", 4, "/late-but-new-id")).join();
            clock.set(T0.plus(Duration.ofHours(2)));
            e.maintain();
            Profile p = e.get("u").orElseThrow();
            assertThat(p.getLong("sessions")).contains(1L);
            assertThat(p.getLong("page_views")).contains(4L);
            assertThat(e.session("u")).isEmpty();
            assertThat(e.metrics().sessionsCommitted()).isEqualTo(1);
        }
    }

    @Test
    void eventsCarryingASessionIdFormTheirOwnSession() {
        try (ProfileEngine e = engine()) {
            clock.set(T0.plus(Duration.ofHours(3)));
            e.record(view("u", 0, "/a").inSession("s1")).join();
            e.record(view("u", 1, "/b").inSession("s1")).join();
            e.record(view("u", 2, "/c").inSession("s2")).join();
            assertThat(e.session("u").orElseThrow().sessionId()).isEqualTo("s2");
            assertThat(e.get("u").orElseThrow().getLong("sessions")).contains(1L);
            assertThat(e.get("u").orElseThrow().getLong("last_session_duration")).contains(60_000L);
        }
    }

    @Test
    void anExplicitEndCommitsNow() {
        try (ProfileEngine e = engine()) {
            e.record(view("u", 0, "/a")).join();
            assertThat(e.endSession("u")).isTrue();
            assertThat(e.endSession("u")).isFalse();
            assertThat(e.get("u").orElseThrow().getLong("sessions")).contains(1L);
        }
    }

    @Test
    void everySessionOfAShuffledStreamIsCommittedExactlyOnce() {
        List<Event> events = new ArrayList<>();
        for (int s = 0; s < 5; s++) {
            for (int i = 0; i < 4; i++) {
                events.add(view("u", s * 100 + i * 5, "/p" + i));
            }
        }
        try (ProfileEngine e = engine()) {
            clock.set(T0.plus(Duration.ofHours(10)));
            for (Event ev : events) {
                e.record(ev).join();
                e.record(ev).join();
            }
            e.maintain();
            Profile p = e.get("u").orElseThrow();
            assertThat(p.getLong("sessions")).contains(5L);
            assertThat(p.getLong("total_session_time")).contains(5 * Duration.ofMinutes(15).toMillis());
            assertThat(p.getLong("page_views")).contains(20L);
        }
    }

    /** An in-memory session store that counts the calls the engine makes. */
    static class CountingSessionStore implements SessionStore {
        final InMemorySessionStore delegate = new InMemorySessionStore();
        final AtomicInteger singleWrites = new AtomicInteger();
        final List<Integer> batchSizes = new CopyOnWriteArrayList<>();

        @Override
        public Map<String, SessionState> loadAll(Collection<String> userIds) {
            return delegate.loadAll(userIds);
        }

        @Override
        public boolean write(SessionState state) {
            singleWrites.incrementAndGet();
            return delegate.write(state);
        }

        @Override
        public boolean remove(String userId, String sessionId, long version) {
            singleWrites.incrementAndGet();
            return delegate.remove(userId, sessionId, version);
        }

        @Override
        public boolean[] writeAll(List<SessionWrite> writes) {
            batchSizes.add(writes.size());
            return delegate.writeAll(writes);
        }

        @Override
        public List<SessionState> idle(long lastEventAtOrBefore, int limit) {
            return delegate.idle(lastEventAtOrBefore, limit);
        }

        @Override
        public void erase(String userId) {
            delegate.erase(userId);
        }
    }

    @Test
    void aBatchWritesTheSessionsOfAllItsUsersInOneSessionStoreCall() {
        CountingSessionStore sessions = new CountingSessionStore();
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).scheduler(false)
                .sessions(Duration.ofMinutes(30)).sessionStore(sessions).build()) {
            clock.set(T0.plus(Duration.ofHours(3)));
            List<Event> first = new ArrayList<>();
            for (int u = 0; u < 50; u++) {
                first.add(view("u" + u, 0, "/a"));
                first.add(view("u" + u, 5, "/b"));
            }
            e.recordAll(first).join();
            assertThat(sessions.batchSizes).containsExactly(50);
            // an hour later by event time: each user's session is committed and a new one starts
            List<Event> second = new ArrayList<>();
            for (int u = 0; u < 50; u++) {
                second.add(view("u" + u, 65, "/c"));
            }
            e.recordAll(second).join();
            assertThat(sessions.batchSizes).containsExactly(50, 50);
            assertThat(sessions.singleWrites).hasValue(0);
            assertThat(e.metrics().sessionsCommitted()).isEqualTo(50);
            assertThat(e.session("u7").orElseThrow().events()).isEqualTo(1);
            assertThat(e.get("u7").orElseThrow().getLong("sessions")).contains(1L);
            // the idle sessions end together too: their removals go in one call
            clock.set(T0.plus(Duration.ofHours(6)));
            e.maintain();
            assertThat(sessions.batchSizes).containsExactly(50, 50, 50);
            assertThat(e.session("u7")).isEmpty();
            assertThat(e.get("u7").orElseThrow().getLong("sessions")).contains(2L);
        }
    }

    @Test
    void theDefaultWriteAllAppliesEachWriteInOrderWithCompareAndSet() {
        SessionStore store = new InMemorySessionStore();
        SessionState a1 = new SessionState("a", "s1", false, 0, 10, 1, 1, Map.of(), 1);
        SessionState a2 = new SessionState("a", "s1", false, 0, 20, 2, 2, Map.of(), 2);
        SessionState b1 = new SessionState("b", "s9", false, 0, 10, 1, 1, Map.of(), 1);
        SessionState b3 = new SessionState("b", "s9", false, 0, 30, 3, 3, Map.of(), 3);
        boolean[] applied = store.writeAll(List.of(SessionWrite.store(a1), SessionWrite.store(a2),
                SessionWrite.store(b3), SessionWrite.store(b1), SessionWrite.remove(a1)));
        assertThat(applied).containsExactly(true, true, false, true, false);
        assertThat(store.loadAll(List.of("a", "b"))).containsEntry("a", a2).containsEntry("b", b1);
        assertThat(store.writeAll(List.of(SessionWrite.remove(a2), SessionWrite.remove(b3)))).containsExactly(true, false);
        assertThat(store.loadAll(List.of("a", "b"))).containsOnlyKeys("b");
    }

    @Test
    void idleSessionsTheSessionStoreWillNotRemoveEndTheMaintenanceRunInsteadOfLoopingForEver() {
        AtomicInteger idleCalls = new AtomicInteger();
        boolean[] writesFail = {false};
        CountingSessionStore sessions = new CountingSessionStore() {
            @Override
            public boolean[] writeAll(List<SessionWrite> writes) {
                if (writesFail[0]) {
                    throw new IllegalStateException("READONLY You can't write against a read only replica");
                }
                return super.writeAll(writes);
            }

            @Override
            public List<SessionState> idle(long lastEventAtOrBefore, int limit) {
                if (idleCalls.incrementAndGet() > 10) {
                    throw new IllegalStateException("asked for the same idle sessions again and again");
                }
                return super.idle(lastEventAtOrBefore, limit);
            }
        };
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).scheduler(false)
                .sessions(Duration.ofMinutes(30)).sessionStore(sessions).build()) {
            clock.set(T0.plus(Duration.ofHours(3)));
            List<Event> events = new ArrayList<>();
            for (int u = 0; u < 500; u++) { // a full page of idle sessions: maintenance asks for the next page
                events.add(view("u" + u, 0, "/a"));
            }
            e.recordAll(events).join();
            writesFail[0] = true;
            clock.set(T0.plus(Duration.ofHours(6)));

            e.maintain();

            assertThat(idleCalls.get()).as("the page again, refused, ends the run").isLessThanOrEqualTo(3);
            assertThat(e.get("u7").orElseThrow().getLong("sessions")).contains(1L);
            assertThat(e.session("u7")).as("the session store refused the removal").isPresent();

            writesFail[0] = false;
            idleCalls.set(0);
            e.maintain();
            assertThat(e.session("u7")).isEmpty();
            assertThat(e.get("u7").orElseThrow().getLong("sessions")).as("committed once").contains(1L);
            assertThat(e.metrics().sessionsCommitted()).isEqualTo(500);
        }
    }

    @Test
    void aSessionSumLongerThanAnyOneAcceptedAmountIsCommitted() {
        ProfileReducer spending = ProfileReducer.builder()
                .on("spend", (e, p) -> p.add("spent", e.decimal("amount")))
                .session((e, s) -> s.add("spent", e.decimal("amount")))
                .build();
        java.math.BigDecimal big = new java.math.BigDecimal("1E+300");
        java.math.BigDecimal tiny = new java.math.BigDecimal("1E-900");
        try (ProfileEngine e = ProfileEngine.builder().reducer(spending).clock(clock).scheduler(false)
                .schemas(EventSchemas.builder().allowUnknownTypes(true).build())
                .sessions(Duration.ofMinutes(30)).build()) {
            clock.set(T0.plus(Duration.ofHours(3)));
            List<RecordResult> results = e.recordAll(List.of(
                    Event.of("u", "spend").at(T0).withId("s1").with("amount", big),
                    Event.of("u", "spend").at(T0.plusSeconds(60)).withId("s2").with("amount", tiny))).join();
            assertThat(results).allMatch(RecordResult::applied);
            e.maintain();
            Profile p = e.get("u").orElseThrow();
            assertThat(p.getLong("sessions")).contains(1L);
            assertThat(p.getDecimal("last_session.spent")).contains(big.add(tiny));
            assertThat(p.getDecimal("spent")).contains(big.add(tiny));
            assertThat(io.profilekit.spi.ProfileStateCodec.decode(io.profilekit.spi.ProfileStateCodec.encode(
                    e.store().loadAll(List.of("u")).get("u"))).attributes()).containsKey("last_session.spent");
        }
    }

    @Test
    void sessionsThatDoNotEndAtTheHeadOfTheIdleListDoNotKeepTheOthersFromEnding() {
        java.util.Set<String> stuck = java.util.concurrent.ConcurrentHashMap.newKeySet();
        CountingSessionStore sessions = new CountingSessionStore() {
            @Override
            public boolean[] writeAll(List<SessionWrite> writes) {
                boolean[] out = new boolean[writes.size()];
                for (int i = 0; i < out.length; i++) {
                    // a stuck user's removal is refused, as by a writer that came first
                    out[i] = !(writes.get(i).remove() && stuck.contains(writes.get(i).userId()))
                            && delegate.writeAll(List.of(writes.get(i)))[0];
                }
                return out;
            }

            @Override
            public List<SessionState> idle(long lastEventAtOrBefore, int limit) {
                // oldest first, as the Redis index gives them
                return delegate.idle(lastEventAtOrBefore, Integer.MAX_VALUE).stream()
                        .sorted(java.util.Comparator.comparingLong(SessionState::lastEvent).thenComparing(SessionState::userId))
                        .limit(limit).toList();
            }
        };
        try (ProfileEngine e = ProfileEngine.builder().reducer(reducer).clock(clock).scheduler(false)
                .sessions(Duration.ofMinutes(30)).sessionStore(sessions).build()) {
            clock.set(T0.plus(Duration.ofHours(3)));
            List<Event> events = new ArrayList<>();
            for (int u = 0; u < 1200; u++) {
                stuck.add("s" + u);
                events.add(view("s" + u, 0, "/a")); // the oldest: at the head of every page
            }
            for (int u = 0; u < 100; u++) {
                events.add(view("n" + u, 10, "/b"));
            }
            e.recordAll(events).join();
            clock.set(T0.plus(Duration.ofHours(6)));

            e.maintain();

            assertThat(e.session("n42")).isEmpty();
            assertThat(e.get("n42").orElseThrow().getLong("sessions")).contains(1L);
            assertThat(e.session("s42")).as("its removal refused").isPresent();
            assertThat(e.metrics().sessionsCommitted()).isEqualTo(1300);
        }
    }
}
