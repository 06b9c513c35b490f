package io.profilekit;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Late events under the APPLY policy, in any order, still converge to one profile. */
class LatePropertiesTest {
    static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    static final ProfileReducer REDUCER = ProfileReducer.builder()
            .on("page_view", (e, p) -> p.increment("views").set("last", e.string("url"))
                    .recent("recent", e.string("url"), 3).max("max_minute", e.longValue("minute"))
                    .windowedCount("window", Duration.ofMinutes(30), Duration.ofMinutes(5))
                    .decay("engagement", 1.0, Duration.ofMinutes(20)))
            .build();

    @Property(tries = 100)
    void lateEventsInAnyOrderConverge(@ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 120) Integer> minutes,
                                      @ForAll long seed) {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < minutes.size(); i++) {
            events.add(Event.of("u", "page_view").withId("e" + i).at(T0.plusSeconds(60L * minutes.get(i)))
                    .with("url", "/p" + (minutes.get(i) % 7)).with("minute", minutes.get(i)));
        }
        List<Event> shuffled = new ArrayList<>(events);
        Collections.shuffle(shuffled, new Random(seed));
        assertThat(profile(shuffled)).isEqualTo(profile(events));
    }

    private static Profile profile(List<Event> events) {
        MutableClock clock = new MutableClock(T0.plus(Duration.ofHours(3)));
        try (ProfileEngine e = ProfileEngine.builder().reducer(REDUCER).clock(clock).scheduler(false)
                .allowedLateness(Duration.ZERO).build()) {
            for (Event ev : events) {
                e.record(ev).join();
            }
            return e.get("u").orElseThrow();
        }
    }
}
