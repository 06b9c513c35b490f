package io.profilekit.spi;

import io.profilekit.op.CappedSet;
import io.profilekit.op.Counter;
import io.profilekit.op.DecimalSum;
import io.profilekit.op.LastWrite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SessionStateCodecTest {
    static final long T = 1_795_860_000_000L;

    static SessionState sample() {
        return new SessionState("u42", "u42@2026-11-28T10:00:00Z", false, T, T + 720_000, 3, 2,
                Map.of("events", new Counter(3, T + 720_000),
                        "urls", new CappedSet(10, List.of(new CappedSet.Member("/a", T), new CappedSet.Member("/b", T + 1))),
                        "spent", new DecimalSum(new BigDecimal("12.50"), T + 5),
                        "when", new LastWrite(Instant.parse("2026-11-28T10:00:00.5Z"), true, T, -7)),
                4);
    }

    @Test
    void roundTripsExactlyWithTypes() {
        SessionState s = sample();
        SessionState back = SessionStateCodec.decode(SessionStateCodec.encode(s));
        assertThat(back).isEqualTo(s);
        assertThat(((DecimalSum) back.aggregates().get("spent")).value()).hasToString("12.50");
        assertThat(((LastWrite) back.aggregates().get("when")).value()).isInstanceOf(Instant.class);
    }

    @Test
    void writesReadableSortedJsonAndEqualSessionsGiveEqualBytes() {
        SessionState s = new SessionState("u", "s-1", true, T, T + 1, 2, 0,
                Map.of("b", new Counter(1, T), "a", new Counter(2, T + 1)), 1);
        assertThat(new String(SessionStateCodec.encode(s), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(
                "{\"v\":1,\"user\":\"u\",\"id\":\"s-1\",\"explicit\":true,\"start\":" + T + ",\"last\":" + (T + 1)
                        + ",\"events\":2,\"pageViews\":0,\"version\":1,\"aggs\":{\"a\":{\"k\":\"counter\",\"n\":2,\"t\":"
                        + (T + 1) + "},\"b\":{\"k\":\"counter\",\"n\":1,\"t\":" + T + "}}}");
        SessionState copy = new SessionState(s.userId(), s.sessionId(), true, T, T + 1, 2, 0,
                new LinkedHashMap<>(s.aggregates()), 1);
        assertThat(SessionStateCodec.encode(copy)).isEqualTo(SessionStateCodec.encode(s));
        SessionState noAggregates = new SessionState("u", "s", false, T, T, 1, 1, Map.of(), 1);
        assertThat(SessionStateCodec.decode(SessionStateCodec.encode(noAggregates))).isEqualTo(noAggregates);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            not an object      | `[]`                                                                                   | `session state: expected a JSON object, got a list`
            future format      | `{"v":2}`                                                                              | `session state at v: unsupported format version 2 (this ProfileKit reads version 1)`
            missing id         | `{"v":1,"user":"u","explicit":false,"start":1,"last":1,"events":1,"pageViews":0,"version":1}` | `session state: missing field "id"`
            events not a number| `{"v":1,"user":"u","id":"s","explicit":false,"start":1,"last":1,"events":"x"}`         | `session state at events: expected an integer, got "x"`
            last before start  | `{"v":1,"user":"u","id":"s","explicit":false,"start":5,"last":1,"events":1,"pageViews":0,"version":1}` | `session state: session lastEvent 1 before start 5`
            bad aggregate      | `{"v":1,"user":"u","id":"s","explicit":false,"start":1,"last":1,"events":1,"pageViews":0,"version":1,"aggs":{"n":{"k":"avg"}}}` | `session state at aggs.n.k: unknown operation kind "avg"`
            unknown field      | `{"v":1,"colour":1}`                                                                   | `session state at colour: unknown field`
            truncated          | `{"v":1,"user":"u`                                                                     | `session state: not valid JSON: Unexpected end-of-input in VALUE_STRING`
            """)
    void refusesBadInputSayingWhereAndWhat(String name, String json, String message) {
        assertThatThrownBy(() -> SessionStateCodec.decode(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message);
    }
}
