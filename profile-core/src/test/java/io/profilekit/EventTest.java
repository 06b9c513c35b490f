package io.profilekit;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventTest {
    private static final Instant T = Instant.parse("2026-11-28T10:15:30Z");

    @Test
    void hostileDepthBuiltInProcessIsRefusedWithAnIllegalArgumentNotAStackOverflow() {
        Object lists = 1L;
        Object maps = 1L;
        for (int i = 0; i < 10_000; i++) {
            lists = List.of(lists);
            maps = Map.of("a", maps);
        }
        List<Object> cyclic = new ArrayList<>();
        cyclic.add(cyclic);
        Object deepLists = lists;
        Object deepMaps = maps;

        assertThatThrownBy(() -> Event.of("u", "t").with("a", deepLists)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a: nested deeper than 1000 levels (EventLimits.MAX_DEPTH_CAP)");
        assertThatThrownBy(() -> new Event("e", "u", "t", T, Optional.empty(), Map.of("b", deepMaps)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("b: nested deeper");
        assertThatThrownBy(() -> Event.of("u", "t").withAll(Map.of("c", cyclic)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("c: nested deeper");
    }

    @Test
    void nestingUpToTheDeepestLimitIsKept() {
        // properties is level 1, so 999 nested lists reach level 1000
        Object lists = nested(999);
        Event e = Event.of("u", "t").at(T).with("a", lists);
        EventValidator deepest = new EventValidator(EventSchemas.builder().allowUnknownTypes(true).build(),
                EventLimits.defaults().withMaxDepth(EventLimits.MAX_DEPTH_CAP), java.time.Clock.fixed(T, java.time.ZoneOffset.UTC));

        assertThat(e.list("a")).hasSize(1);
        assertThat(deepest.validate(e)).isEmpty();
        assertThatThrownBy(() -> Event.of("u", "t").with("a", nested(1000))).isInstanceOf(IllegalArgumentException.class);
    }

    private static Object nested(int lists) {
        Object v = 1L;
        for (int i = 0; i < lists; i++) {
            v = List.of(v);
        }
        return v;
    }
}
