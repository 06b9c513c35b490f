package io.profilekit.spi;

import io.profilekit.op.CappedSet;
import io.profilekit.op.Counter;
import io.profilekit.op.DecayingScore;
import io.profilekit.op.DecimalSum;
import io.profilekit.op.Extremum;
import io.profilekit.op.FirstWrite;
import io.profilekit.op.LastWrite;
import io.profilekit.op.Operation;
import io.profilekit.op.RecentValues;
import io.profilekit.op.TopValues;
import io.profilekit.op.WindowedCount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProfileStateCodecTest {
    static final long T = 1_717_171_717_000L;

    /** One attribute of every operation family, with values of every type. */
    static ProfileState sample() {
        Map<String, Object> address = new LinkedHashMap<>();
        address.put("city", "Lyon");
        address.put("zip", 69001L);
        Map<String, Object> dollarKeys = new LinkedHashMap<>();
        dollarKeys.put("$d", "not a decimal");
        Map<String, Operation> attrs = Map.ofEntries(
                Map.entry("plan", new LastWrite("pro", true, T, -8817166447218462375L)),
                Map.entry("nickname", new LastWrite(null, false, T + 1, 7)),
                Map.entry("address", new LastWrite(address, true, T, 1)),
                Map.entry("weird", new LastWrite(dollarKeys, true, T, 2)),
                Map.entry("firstSeen", new FirstWrite(Instant.parse("2024-05-31T16:08:37.123456789Z"), T - 5, 3)),
                Map.entry("purchases", new Counter(3, T)),
                Map.entry("revenue", new DecimalSum(new BigDecimal("59.90"), T)),
                Map.entry("maxBasket", new Extremum(true, new BigDecimal("19.99"), T)),
                Map.entry("minAge", new Extremum(false, 18L, T)),
                Map.entry("lastPages", new RecentValues(3, List.of(new RecentValues.Entry("/b", T, 2),
                        new RecentValues.Entry(2.5, T - 1, 1), new RecentValues.Entry(List.of(true, false), T - 2, 9)))),
                Map.entry("tags", new CappedSet(5, List.of(new CappedSet.Member("vip", T),
                        new CappedSet.Member(Instant.EPOCH, T - 7)))),
                Map.entry("interest", new DecayingScore(3_600_000, new long[] {59_627, 59_628},
                        new long[] {1_048_576, -3}, T)),
                Map.entry("views1h", new WindowedCount(3_600_000, 60_000, new long[] {28_619_528, 28_619_529},
                        new long[] {4, 1}, T)),
                Map.entry("topCategories", new TopValues(2, 8, List.of(new TopValues.Count("shoes", 5, T),
                        new TopValues.Count(new BigDecimal("1E+3"), 2, T - 3)))));
        SeenEvents seen = SeenEvents.of(new long[] {T - 5, T, T}, new long[] {42, -9, 17});
        return new ProfileState("u42", 7, attrs, T + 1, seen, Map.of("events-3", 1041L, "events-0", 12L),
                ProfileState.NONE);
    }

    /**
     * An attribute read from text the writer would spell otherwise is written back as the writer
     * spells it, not copied: equal states give equal bytes whatever they were read from.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
            "{\"k\":\"counter\",\"n\":-0,\"t\":1}",
            "{\"k\":\"set\",\"val\":1E2,\"t\":1,\"tie\":2}",
            "{\"k\":\"set\",\"val\":1.50,\"t\":1,\"tie\":2}",
            "{\"k\":\"set\",\"val\":\"a\\/b\",\"t\":1,\"tie\":2}",
            "{\"k\":\"set\",\"val\":\"\\u0061\",\"t\":1,\"tie\":2}",
            "{\"k\":\"set\",\"val\":\"\uD83D\uDE00\",\"t\":1,\"tie\":2}",
            "{\"k\":\"set\",\"val\":{\"$t\":\"2024-06-01T12:00:00.1Z\"},\"t\":1,\"tie\":2}",
            "{\"k\":\"set\",\"val\":{\"$d\":\"1e3\"},\"t\":1,\"tie\":2}",
            "{\"k\":\"sum\",\"n\":\"1e3\",\"t\":1}",
            "{\"k\":\"set\",\"val\":{\"$m\":{\"a\":1}},\"t\":1,\"tie\":2}",
            "{\"k\":\"set\",\"val\":{\"a\":1,\"$b\":2},\"t\":1,\"tie\":2}"})
    void textSpelledOtherwiseIsNotCopiedBack(String attribute) {
        byte[] json = ("{\"v\":2,\"user\":\"u\",\"version\":1,\"attrs\":{\"a\":" + attribute
                + ",\"b\":{\"k\":\"counter\",\"n\":3,\"t\":1}}}").getBytes(StandardCharsets.UTF_8);
        ProfileState read = FastStateReader.tryRead(json);
        assertThat(read).as("the fast reader reads it").isNotNull();
        io.profilekit.internal.SortedAttributes attrs = (io.profilekit.internal.SortedAttributes) read.attributes();
        io.profilekit.internal.JsonBytes probe = new io.profilekit.internal.JsonBytes(16);
        assertThat(attrs.writeAsRead(0, probe)).as("attribute a is copied").isFalse();
        assertThat(attrs.writeAsRead(1, probe)).as("attribute b is copied").isTrue();
        String written = ProfileStateCodec.encodeToString(read);
        assertThat(written).isEqualTo(ProfileStateCodec.encodeToString(io.profilekit.internal.SortedAttributes.lean(read)));
        assertThat(ProfileStateCodec.decode(written)).isEqualTo(read);
    }

    /**
     * A max or min holds its number in canonical form (5, not 5.0; 1.5, not 1.50): read from a
     * decimal spelled otherwise, it is written as the equal state built directly would be.
     */
    @ParameterizedTest
    @CsvSource({"5.0, 5", "5, 5", "1.50, 1.5", "-0.00, 0", "1E+2, 100"})
    void anExtremumReadInAnotherFormIsWrittenInItsCanonicalForm(String stored, String canonical) {
        ProfileState read = ProfileStateCodec.decode("{\"v\":2,\"user\":\"u\",\"version\":1,\"attrs\":{\"m\":"
                + "{\"k\":\"max\",\"n\":{\"$d\":\"" + stored + "\"},\"t\":1}}}");
        ProfileState built = new ProfileState("u", 1, Map.of("m", new Extremum(true, new BigDecimal(canonical), 1)),
                ProfileState.NONE, SeenEvents.empty(), Map.of(), ProfileState.NONE);
        assertThat(read).isEqualTo(built);
        assertThat(ProfileStateCodec.encodeToString(read)).isEqualTo(ProfileStateCodec.encodeToString(built));
    }

    /**
     * Maps equal by {@code equals} whatever their keys' order give equal bytes: a set of the same
     * map from two events (in JSON spelled in another key order) does not depend on which came first.
     */
    @Test
    void equalMapsInAnotherKeyOrderGiveEqualBytes() {
        Map<String, Object> ab = new LinkedHashMap<>();
        ab.put("a", 1L);
        ab.put("b", List.of(Map.of()));
        ab.put("$c", "x");
        Map<String, Object> ba = new LinkedHashMap<>();
        ba.put("$c", "x");
        ba.put("b", List.of(Map.of()));
        ba.put("a", 1L);
        Operation x = CappedSet.of(io.profilekit.internal.JsonValues.normalize(ab), T, 3);
        Operation y = CappedSet.of(io.profilekit.internal.JsonValues.normalize(ba), T, 3);
        ProfileState xy = new ProfileState("u", 1, Map.of("s", x.merge(y)), T, SeenEvents.empty(), Map.of(),
                ProfileState.NONE);
        ProfileState yx = new ProfileState("u", 1, Map.of("s", y.merge(x)), T, SeenEvents.empty(), Map.of(),
                ProfileState.NONE);
        assertThat(xy).isEqualTo(yx);
        String written = ProfileStateCodec.encodeToString(xy);
        assertThat(written).isEqualTo(ProfileStateCodec.encodeToString(yx))
                .contains("{\"$m\":{\"$c\":\"x\",\"a\":1,\"b\":[{}]}}");
        // read from keys in another order, it is written sorted, not copied back
        String unsorted = written.replace("{\"$c\":\"x\",\"a\":1,\"b\":[{}]}", "{\"b\":[{}],\"a\":1,\"$c\":\"x\"}");
        assertThat(unsorted).isNotEqualTo(written);
        assertThat(ProfileStateCodec.encodeToString(ProfileStateCodec.decode(unsorted))).isEqualTo(written);
    }

    /**
     * Both readers accept what the writer writes: a long attribute name, object key or string is
     * read by the streaming reader too, as by the fast one (the input is in memory already).
     */
    @Test
    void longNamesAndStringsAreReadByBothReaders() {
        String longName = "n".repeat(60_000);
        String longString = "s".repeat(20_000_001);
        ProfileState s = new ProfileState("u", 1, Map.of(longName, new Counter(1, T),
                "key", new LastWrite(Map.of(longName, 1L), true, T, 1),
                "text", new LastWrite(longString, true, T, 2)), T, SeenEvents.empty(), Map.of(), ProfileState.NONE);
        byte[] json = ProfileStateCodec.encode(s);
        assertThat(FastStateReader.tryRead(json)).isEqualTo(s);
        assertThat(ProfileStateCodec.decodeStreaming(json)).isEqualTo(s);
    }

    @Test
    void roundTripsEveryOperationAndValueType() {
        ProfileState s = sample();
        ProfileState back = ProfileStateCodec.decode(ProfileStateCodec.encode(s));
        assertThat(back).isEqualTo(s);
        // equal is not enough for numbers: the types must survive too
        assertThat(((LastWrite) back.attributes().get("address")).value())
                .isEqualTo(Map.of("city", "Lyon", "zip", 69001L));
        assertThat(((FirstWrite) back.attributes().get("firstSeen")).value())
                .isInstanceOf(Instant.class).isEqualTo(Instant.parse("2024-05-31T16:08:37.123456789Z"));
        assertThat(((DecimalSum) back.attributes().get("revenue")).value()).hasToString("59.90");
        assertThat(((Extremum) back.attributes().get("maxBasket")).value()).isInstanceOf(BigDecimal.class);
        assertThat(((Extremum) back.attributes().get("minAge")).value()).isInstanceOf(Long.class);
        RecentValues recent = (RecentValues) back.attributes().get("lastPages");
        assertThat(recent.entries().get(1).value()).isInstanceOf(Double.class).isEqualTo(2.5);
        TopValues top = (TopValues) back.attributes().get("topCategories");
        assertThat(top.counts().get(1).value()).isInstanceOf(BigDecimal.class).hasToString("1E+3");
        assertThat(((LastWrite) back.attributes().get("weird")).value()).isEqualTo(Map.of("$d", "not a decimal"));
        assertThat(back.seenEvents().size()).isEqualTo(3);
        assertThat(back.fence("events-3")).isEqualTo(1041L);
    }

    @Test
    void tombstoneAndEmptyStatesRoundTrip() {
        ProfileState tomb = new ProfileState("gone", 4, Map.of(), ProfileState.NONE, SeenEvents.empty(), Map.of(), T);
        assertThat(ProfileStateCodec.encodeToString(tomb))
                .isEqualTo("{\"v\":2,\"user\":\"gone\",\"version\":4,\"erased\":" + T + "}");
        assertThat(ProfileStateCodec.decode(ProfileStateCodec.encode(tomb))).isEqualTo(tomb);
        ProfileState empty = ProfileState.empty("u\u00e9\"\n1");
        assertThat(ProfileStateCodec.decode(ProfileStateCodec.encodeToString(empty))).isEqualTo(empty);
    }

    @Test
    void equalStatesGiveEqualBytes() {
        ProfileState a = sample();
        ProfileState b = new ProfileState(a.userId(), a.version(), new LinkedHashMap<>(a.attributes()),
                a.lastEventTime(), a.seenEvents(), new LinkedHashMap<>(a.fences()), a.erasedAt());
        assertThat(ProfileStateCodec.encode(b)).isEqualTo(ProfileStateCodec.encode(a));
    }

    @Test
    void matchesTheGoldenFile() throws IOException {
        String golden = golden("profile-state-v2.json");
        assertThat(ProfileStateCodec.decode(golden)).isEqualTo(sample());
        assertThat(FastStateReader.tryRead(golden.getBytes(StandardCharsets.UTF_8))).isEqualTo(sample());
        assertThat(ProfileStateCodec.encodeToString(sample())).isEqualTo(golden);
    }

    @Test
    void escapesStringsAsJacksonDidAndReadsThemBack() throws IOException {
        String odd = "q\"b\\s/\n\t\r\b\f\u0001\u001f\u007f \u00e9 \u2603 \ud83d\ude00 \ud800";
        ProfileState s = new ProfileState(odd, 1, Map.of(odd, new LastWrite(Map.of(odd, List.of(odd)), true, T, 0)),
                T, SeenEvents.empty(), Map.of(odd, 3L), ProfileState.NONE);
        java.io.ByteArrayOutputStream jackson = new java.io.ByteArrayOutputStream();
        try (com.fasterxml.jackson.core.JsonGenerator g = ProfileStateCodec.JSON.createGenerator(jackson)) {
            StateWriter.write(g, s);
        }
        String json = ProfileStateCodec.encodeToString(s);
        assertThat(json).isEqualTo(jackson.toString(StandardCharsets.UTF_8))
                .contains("q\\\"b\\\\s/\\n\\t\\r\\b\\f\\u0001\\u001F\u007f \u00e9 \u2603 \\uD83D\\uDE00 \\uD800");
        assertThat(FastStateReader.tryRead(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(s);
    }

    @Test
    void readsFormatVersionOne() throws IOException {
        String v1 = golden("profile-state-v1.json");
        assertThat(v1).contains("\"seen\":[[1717171716995,42],");
        assertThat(ProfileStateCodec.decode(v1)).isEqualTo(sample());
        assertThat(FastStateReader.tryRead(v1.getBytes(StandardCharsets.UTF_8))).as("left to the streaming reader").isNull();
    }

    @Test
    void seenTimesAreDifferencesAndAnyLongsComeBack() {
        SeenEvents seen = SeenEvents.of(new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE},
                new long[] {Long.MAX_VALUE, Long.MIN_VALUE, 0, -1});
        ProfileState s = new ProfileState("u", 1, Map.of(), ProfileState.NONE, seen, Map.of(), ProfileState.NONE);
        String json = ProfileStateCodec.encodeToString(s);
        // (time difference as zigzag varint, 8-byte hash): MIN_VALUE takes ten bytes, 1 takes one
        assertThat(java.util.Base64.getDecoder().decode(json.substring(json.indexOf("\"seen\":\"") + 8,
                json.lastIndexOf('"')))).hasSize(10 + 8 + 10 + 8 + 1 + 8 + 10 + 8);
        assertThat(ProfileStateCodec.decode(json).seenEvents()).isEqualTo(seen);
    }

    private String golden(String name) throws IOException {
        try (InputStream in = getClass().getResourceAsStream(name)) {
            assertThat(in).as("golden file " + name + " on the classpath").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
    }

    @Test
    void refusesValuesItCannotRepresent() {
        ProfileState nan = new ProfileState("u", 1, Map.of("score", new LastWrite(Double.NaN, true, T, 0)),
                T, SeenEvents.empty(), Map.of(), ProfileState.NONE);
        assertThatThrownBy(() -> ProfileStateCodec.encode(nan))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("attribute score: cannot store the non-finite number NaN");
        ProfileState odd = new ProfileState("u", 1, Map.of("when", new LastWrite(new java.util.Date(0), true, T, 0)),
                T, SeenEvents.empty(), Map.of(), ProfileState.NONE);
        assertThatThrownBy(() -> ProfileStateCodec.encode(odd))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("attribute when: cannot store a value of type java.util.Date");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            not JSON              | `nope`                                                        | `profile state: not valid JSON: Unrecognized token 'nope'`
            truncated             | `{"v":1,"user":"u","vers`                                     | `profile state: not valid JSON: Unexpected end-of-input`
            array                 | `[1,2]`                                                       | `profile state: expected a JSON object, got a list`
            empty input           | ``                                                            | `profile state: expected a JSON object, got the end of input`
            version first         | `{"user":"u","v":1,"version":1}`                              | `profile state: expected the format version field "v" first, got "user"`
            future format         | `{"v":3,"user":"u","version":1}`                              | `profile state at v: unsupported format version 3 (this ProfileKit reads versions 1 to 2)`
            missing user          | `{"v":1,"version":1}`                                         | `profile state: missing field "user"`
            missing version       | `{"v":1,"user":"u"}`                                          | `profile state: missing field "version"`
            negative version      | `{"v":1,"user":"u","version":-3}`                             | `profile state at version: expected a version >= 0, got -3`
            user not a string     | `{"v":1,"user":42,"version":1}`                               | `profile state at user: expected a string, got 42`
            unknown field         | `{"v":1,"user":"u","version":1,"colour":"red"}`               | `profile state at colour: unknown field`
            trailing content      | `{"v":1,"user":"u","version":1} {}`                           | `profile state: unexpected content after the profile state: an object`
            unknown kind          | `{"v":1,"user":"u","version":1,"attrs":{"a":{"k":"avg"}}}`    | `profile state at attrs.a.k: unknown operation kind "avg"`
            kind first            | `{"v":1,"user":"u","version":1,"attrs":{"a":{"n":1,"k":"counter"}}}` | `profile state at attrs.a: expected the operation kind field "k" first, got "n"`
            counter not a number  | `{"v":1,"user":"u","version":1,"attrs":{"visits":{"k":"counter","n":"abc","t":1}}}` | `profile state at attrs.visits: field "n": expected an integer, got "abc"`
            counter missing time  | `{"v":1,"user":"u","version":1,"attrs":{"visits":{"k":"counter","n":3}}}` | `profile state at attrs.visits: missing field "t"`
            field of another kind | `{"v":1,"user":"u","version":1,"attrs":{"visits":{"k":"counter","cap":3}}}` | `profile state at attrs.visits.cap: unknown field for operation kind counter`
            bad decimal           | `{"v":1,"user":"u","version":1,"attrs":{"rev":{"k":"sum","n":"12,5","t":1}}}` | `profile state at attrs.rev: field "n": expected a decimal string, got "12,5"`
            bad instant tag       | `{"v":1,"user":"u","version":1,"attrs":{"a":{"k":"set","val":{"$t":"yesterday"},"t":1,"tie":0}}}` | `profile state at attrs.a.val.$t: expected an ISO-8601 instant, got "yesterday"`
            unknown tag           | `{"v":1,"user":"u","version":1,"attrs":{"a":{"k":"set","val":{"$x":1},"t":1,"tie":0}}}` | `profile state at attrs.a.val.$x: unknown value tag (known: $d decimal, $t instant, $m object)`
            huge integer          | `{"v":1,"user":"u","version":99999999999999999999}`           | `profile state at version: integer out of the 64-bit range: "99999999999999999999"`
            bad capacity          | `{"v":1,"user":"u","version":1,"attrs":{"r":{"k":"recent","cap":0,"e":[]}}}` | `profile state at attrs.r: recent capacity must be at least 1, got 0`
            short recent entry    | `{"v":1,"user":"u","version":1,"attrs":{"r":{"k":"recent","cap":2,"e":[["x",1]]}}}` | `profile state at attrs.r.e.0: expected an integer, got the end of a list`
            unsorted seen         | `{"v":1,"user":"u","version":1,"seen":[[5,1],[4,1]]}`          | `profile state at seen: seen events are not sorted at index 1`
            unsorted seen v2      | `{"v":2,"user":"u","version":1,"seen":"CgAAAAAAAAABAQAAAAAAAAAB"}` | `profile state at seen: seen events are not sorted at index 1`
            seen pairs in v2      | `{"v":2,"user":"u","version":1,"seen":[[5,1]]}`                | `profile state at seen: expected a base64 string, got a list`
            seen not base64       | `{"v":2,"user":"u","version":1,"seen":"a*b"}`                  | `profile state at seen: expected a base64 string: Illegal base64 character 2a`
            seen hash cut short   | `{"v":2,"user":"u","version":1,"seen":"CgAAAA=="}`             | `profile state at seen: entry 0: expected 8 bytes of hash, got 3`
            seen varint cut short | `{"v":2,"user":"u","version":1,"seen":"gA=="}`                 | `profile state at seen: entry 0: bad time difference`
            fence not a number    | `{"v":1,"user":"u","version":1,"fences":{"p-0":"x"}}`         | `profile state at fences.p-0: expected an integer, got "x"`
            window lengths differ | `{"v":1,"user":"u","version":1,"attrs":{"w":{"k":"window","w":10,"bl":5,"b":[1],"c":[],"t":1}}}` | `profile state at attrs.w: windowedCount buckets and counts differ in length`
            """)
    void corruptInputIsRefusedWithWhereAndWhat(String what, String json, String message) {
        assertThatThrownBy(() -> ProfileStateCodec.decode(json == null ? "" : json))
                .as(what)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
            "{\"v\":2,\"user\":\"u\",\"version\":1,\"attrs\":{\"r\":{\"k\":\"recent\",\"cap\":4294967296,\"e\":[]}}}",
            "{\"v\":2,\"user\":\"u\",\"version\":1,\"attrs\":{\"r\":{\"k\":\"setAdd\",\"cap\":-4294967296,\"m\":[]}}}",
            "{\"v\":2,\"user\":\"u\",\"version\":1,\"attrs\":{\"r\":{\"k\":\"topN\",\"n\":4294967296,\"cap\":3,\"c\":[]}}}",
            "{\"v\":2,\"user\":\"u\",\"version\":1,\"attrs\":{\"r\":{\"k\":\"topN\",\"n\":1,\"cap\":4294967296,\"c\":[]}}}"})
    void aSizeBeyondTheIntRangeIsRefusedWithWhereAndWhat(String json) {
        assertThatThrownBy(() -> ProfileStateCodec.decode(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("profile state at attrs.r: field ")
                .hasMessageContaining("out of range");
    }

    /** A number that overflows a double would come back infinite, a value no writer stores: refused. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
            "{\"v\":2,\"user\":\"u\",\"version\":1,\"attrs\":{\"a\":{\"k\":\"set\",\"val\":1E400,\"t\":1,\"tie\":2}}}",
            "{\"v\":2,\"user\":\"u\",\"version\":1,\"attrs\":{\"a\":{\"k\":\"recent\",\"cap\":2,\"e\":[[[-1.0E309],1,2]]}}}",
            "{\"v\":1,\"user\":\"u\",\"version\":1,\"attrs\":{\"a\":{\"k\":\"set\",\"val\":{\"x\":-1e400},\"t\":1,\"tie\":2}}}"})
    void aNumberBeyondTheDoubleRangeIsRefused(String json) {
        assertThatThrownBy(() -> ProfileStateCodec.decode(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("profile state at attrs.a.")
                .hasMessageContaining("beyond the range of a double");
    }

    /**
     * A decimal whose scale is far from others' makes every sum it joins enormous (1E+10000000 plus
     * 0.5 has ten million digits): past what sums of accepted amounts can reach, a stored decimal is
     * refused, at once, by both readers.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
            "{\"v\":2,\"user\":\"u\",\"version\":1,\"attrs\":{\"a\":{\"k\":\"sum\",\"n\":\"1E+10000000\",\"t\":1}}}",
            "{\"v\":2,\"user\":\"u\",\"version\":1,\"attrs\":{\"a\":{\"k\":\"sum\",\"n\":\"-1E-2147483647\",\"t\":1}}}",
            "{\"v\":2,\"user\":\"u\",\"version\":1,\"attrs\":{\"a\":{\"k\":\"max\",\"n\":{\"$d\":\"1E+999999999\"},\"t\":1}}}",
            "{\"v\":2,\"user\":\"u\",\"version\":1,\"attrs\":{\"a\":{\"k\":\"set\",\"val\":{\"$d\":\"5E-3000\"},\"t\":1,\"tie\":2}}}"})
    void aDecimalTooLongWrittenOutIsRefused(String json) {
        assertThatThrownBy(() -> ProfileStateCodec.decode(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("profile state at attrs.a")
                .hasMessageContaining("expected a decimal of at most 2100 characters written out, got ");
    }

    @Test
    void sumsOfTheLongestAcceptedDecimalsAreReadBack() {
        BigDecimal big = new BigDecimal("9".repeat(1000));
        BigDecimal small = new BigDecimal("-1E-997");
        Operation sum = new DecimalSum(big, 1);
        for (int i = 0; i < 1000; i++) {
            sum = sum.merge(new DecimalSum(i % 2 == 0 ? big : small, 2 + i));
        }
        ProfileState state = new ProfileState("u", 1, Map.of("total", sum, "top", new Extremum(true, small, 3)),
                ProfileState.NONE, SeenEvents.empty(), Map.of(), ProfileState.NONE);
        assertThat(ProfileStateCodec.decode(ProfileStateCodec.encode(state))).isEqualTo(state);
    }

    @Test
    void everyKindIsCoveredBySample() {
        assertThat(sample().attributes().values().stream().map(Operation::kind).distinct().sorted())
                .containsExactly("counter", "decay", "max", "min", "recent", "set", "setAdd", "setOnce", "sum",
                        "topN", "window");
        assertThat(Arrays.stream(Operation.class.getPermittedSubclasses()).map(Class::getSimpleName))
                .hasSize(10);
    }
}
