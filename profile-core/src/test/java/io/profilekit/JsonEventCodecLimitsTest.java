package io.profilekit;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each limit at its boundary, and hostile inputs: each must cost a clear error and nothing more. */
class JsonEventCodecLimitsTest {
    private static final String HEAD = "{\"userId\":\"u1\",\"type\":\"t\",\"timestamp\":\"2026-11-28T10:15:30Z\"";
    private final JsonEventCodec codec = JsonEventCodec.create();

    @Test
    void eventOfExactlyMaxEventBytesPassesAndOneMoreByteIsRefused() {
        JsonEventCodec small = JsonEventCodec.create(EventLimits.defaults().withMaxEventBytes(200));

        assertThat(small.decode(withPadding(200)).properties()).containsKey("p");
        assertThat(small.decode(new String(withPadding(200), StandardCharsets.UTF_8)).properties()).containsKey("p");
        assertThat(violations(() -> small.decode(withPadding(201))))
                .containsExactly("event: expected at most 200 bytes (maxEventBytes), got 201");
        assertThat(violations(() -> small.decode(new String(withPadding(201), StandardCharsets.UTF_8))))
                .containsExactly("event: expected at most 200 bytes (maxEventBytes), got 201");
    }

    @Test
    void stringTextIsMeasuredInUtf8Bytes() {
        JsonEventCodec small = JsonEventCodec.create(EventLimits.defaults().withMaxEventBytes(200));
        String json = HEAD + ",\"properties\":{\"p\":\"" + "é".repeat(60) + "\"}}"; // 120 bytes of é

        assertThat(json.length()).isLessThan(200);
        assertThat(violations(() -> small.decode(json))).singleElement().asString()
                .startsWith("event: expected at most 200 bytes (maxEventBytes), got 2");
    }

    @Test
    void nestingOfExactlyMaxDepthPassesAndOneMoreLevelIsRefused() {
        // properties is level 1, so 15 nested objects reach level 16.
        assertThat(codec.decode(nestedObjects(15)).properties()).containsKey("a");
        assertThat(violations(() -> codec.decode(nestedObjects(16))))
                .containsExactly("properties" + ".a".repeat(16) + ": nested deeper than 16 levels (maxDepth)");
    }

    @Test
    void stringOfExactlyMaxStringLengthPassesAndOneMoreCharIsRefused() {
        String ok = HEAD + ",\"properties\":{\"s\":\"" + "x".repeat(8192) + "\"}}";
        String over = HEAD + ",\"properties\":{\"s\":\"" + "x".repeat(8193) + "\"}}";

        assertThat(codec.decode(ok).string("s")).hasSize(8192);
        assertThat(violations(() -> codec.decode(over))).singleElement().asString()
                .startsWith("properties.s: expected a string of at most 8192 characters (maxStringLength), got ");
    }

    @Test
    void propertyNameOfExactlyMaxStringLengthPassesAndOneMoreCharIsRefused() {
        JsonEventCodec small = JsonEventCodec.create(EventLimits.defaults().withMaxStringLength(40));

        assertThat(small.decode(HEAD + ",\"properties\":{\"" + "k".repeat(40) + "\":1}}").properties())
                .containsKey("k".repeat(40));
        assertThat(violations(() -> small.decode(HEAD + ",\"properties\":{\"" + "k".repeat(41) + "\":1}}")))
                .containsExactly("properties." + "k".repeat(41) + ": expected a string of at most 40 characters "
                        + "(maxStringLength), got 41 characters");
    }

    @Test
    void maxPropertiesPassesAndOneMoreIsRefusedAtEveryLevel() {
        assertThat(codec.decode(HEAD + ",\"properties\":" + objectOf(256) + "}").properties()).hasSize(256);
        assertThat(violations(() -> codec.decode(HEAD + ",\"properties\":" + objectOf(257) + "}")))
                .containsExactly("properties: more than 256 properties (maxProperties)");
        assertThat(violations(() -> codec.decode(HEAD + ",\"properties\":{\"o\":" + objectOf(257) + "}}")))
                .containsExactly("properties.o: more than 256 properties (maxProperties)");
    }

    @Test
    void userIdOfExactlyMaxUserIdBytesPassesAndOneMoreByteIsRefused() {
        String ok = "é".repeat(128); // 256 bytes of UTF-8
        String over = ok + "a";

        assertThat(codec.decode("{\"userId\":\"" + ok + "\",\"type\":\"t\",\"timestamp\":0}").userId()).isEqualTo(ok);
        assertThat(violations(() -> codec.decode("{\"userId\":\"" + over + "\",\"type\":\"t\",\"timestamp\":0}")))
                .containsExactly("userId: expected at most 256 bytes of UTF-8, got 257");
    }

    @Test
    void integersAreLongsUpTo64BitsAndRefusedBeyond() {
        Event e = codec.decode(HEAD + ",\"properties\":{\"max\":9223372036854775807,\"min\":-9223372036854775808}}");

        assertThat(e.properties()).containsEntry("max", Long.MAX_VALUE).containsEntry("min", Long.MIN_VALUE);
        assertThat(violations(() -> codec.decode(HEAD + ",\"properties\":{\"n\":9223372036854775808}}")))
                .containsExactly("properties.n: expected an integer within 64 bits, got 9223372036854775808");
    }

    @Test
    void hostileOneMebibyteBodyIsRefusedBeforeParsing() {
        byte[] body = new byte[1 << 20];
        Arrays.fill(body, (byte) '[');

        assertThat(violations(() -> codec.decode(body)))
                .containsExactly("event: expected at most 32768 bytes (maxEventBytes), got 1048576");
        assertThat(violations(() -> codec.decode(new String(body, StandardCharsets.US_ASCII))))
                .containsExactly("event: expected at most 32768 bytes (maxEventBytes), got 1048576");
    }

    @Test
    void hostileDepthOfTenThousandInPropertiesIsRefusedAtTheLimit() {
        String json = HEAD + ",\"properties\":{\"a\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}}";

        assertThat(violations(() -> codec.decode(json)))
                .containsExactly("properties.a" + "[0]".repeat(15) + ": nested deeper than 16 levels (maxDepth)");
    }

    @Test
    void hostileDepthOutsidePropertiesIsRefusedByTheParser() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);

        assertThat(violations(() -> codec.decode(deep))).containsExactly("event: expected a JSON object, got a list");
        assertThat(violations(() -> codec.decode(HEAD + ",\"extra\":" + deep + "}")))
                .containsExactly("extra: unknown field (expected eventId, userId, type, timestamp, sessionId or properties)",
                        "extra" + "[0]".repeat(17) + ": nested deeper than 16 levels (maxDepth)");
        assertThat(violations(() -> codec.decode(HEAD + ",\"sessionId\":" + deep + "}")))
                .contains("sessionId: expected a string, got a list");
    }

    @Test
    void hostileDepthOfAHundredThousandObjectsIsRefusedWhenTheSizeLimitAllowsIt() {
        JsonEventCodec big = JsonEventCodec.create(EventLimits.defaults().withMaxEventBytes(2_000_000));
        String json = HEAD + ",\"properties\":" + "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_001);

        assertThat(violations(() -> big.decode(json)))
                .containsExactly("properties" + ".a".repeat(16) + ": nested deeper than 16 levels (maxDepth)");
    }

    @Test
    void hostileInvalidUtf8IsRefused() {
        byte[] json = (HEAD + ",\"properties\":{\"s\":\"abc\"}}").getBytes(StandardCharsets.US_ASCII);
        byte[] badStart = json.clone();
        badStart[json.length - 5] = (byte) 0xFF;
        byte[] badMiddle = json.clone();
        badMiddle[json.length - 6] = (byte) 0xC3;
        badMiddle[json.length - 5] = (byte) 0x28;
        byte[] badName = json.clone();
        badName[json.length - 10] = (byte) 0xFE;

        assertThat(violations(() -> codec.decode(badStart))).singleElement().asString()
                .startsWith("properties.s: malformed JSON at line 1, column ").endsWith(": Invalid UTF-8 start byte 0xff");
        assertThat(violations(() -> codec.decode(badMiddle))).singleElement().asString()
                .endsWith(": Invalid UTF-8 middle byte 0x28");
        assertThat(violations(() -> codec.decode(badName))).singleElement().asString()
                .contains("malformed JSON").contains("Invalid UTF-8 start byte 0xfe");
    }

    @Test
    void hostileLoneSurrogatesInTextAreRefusedLikeInBytesNotReplaced() {
        String high = HEAD + ",\"properties\":{\"s\":\"x\uD800y\"}}";
        String low = HEAD + ",\"properties\":{\"ok\":\"\uD83D\uDE00\",\"s\":\"\uDC00\"}}";

        assertThat(violations(() -> codec.decode(high))).singleElement().asString()
                .startsWith("properties.s: malformed JSON at line 1, column ")
                .endsWith("Illegal surrogate character 0xd800");
        assertThat(violations(() -> codec.decode(low))).singleElement().asString()
                .startsWith("properties.s: malformed JSON").endsWith("Illegal surrogate character 0xdc00");
        assertThat(codec.decode(HEAD + ",\"properties\":{\"s\":\"\uD83D\uDE00\"}}").string("s"))
                .isEqualTo("\uD83D\uDE00");
    }

    @Test
    void utf16AndUtf32AreRefusedAsNotUtf8() {
        String json = HEAD + "}";

        assertThat(codec.decode(json.getBytes(StandardCharsets.UTF_8)).userId()).isEqualTo("u1");
        assertThat(violations(() -> codec.decode(json.getBytes(StandardCharsets.UTF_16))))
                .containsExactly("event: expected JSON in UTF-8, got UTF-16 or UTF-32");
        assertThat(violations(() -> codec.decode(json.getBytes(StandardCharsets.UTF_16LE))))
                .containsExactly("event: expected JSON in UTF-8, got UTF-16 or UTF-32");
        assertThat(violations(() -> codec.decode(json.getBytes(java.nio.charset.Charset.forName("UTF-32BE")))))
                .containsExactly("event: expected JSON in UTF-8, got UTF-16 or UTF-32");
    }

    @Test
    void hostileNonFiniteNumbersAreRefusedNamingTheField() {
        assertThat(violations(() -> codec.decode(HEAD + ",\"properties\":{\"amount\":NaN}}")))
                .containsExactly("properties.amount: expected a finite number, got NaN");
        assertThat(violations(() -> codec.decode(HEAD + ",\"properties\":{\"amount\":-Infinity}}")))
                .containsExactly("properties.amount: expected a finite number, got -Infinity");
        assertThat(violations(() -> codec.decode(HEAD + ",\"properties\":{\"amount\":1e999999,\"x\":[-1e400]}}")))
                .containsExactly("properties.amount: expected a finite number, got 1e999999",
                        "properties.x[0]: expected a finite number, got -1e400");
    }

    @Test
    void hostileDuplicateKeysAreRefused() {
        assertThat(violations(() -> codec.decode(HEAD + ",\"properties\":{\"a\":1,\"a\":2}}")))
                .containsExactly("properties.a: duplicate key \"a\"");
        assertThat(violations(() -> codec.decode(HEAD + ",\"userId\":\"u2\"}")))
                .containsExactly("userId: duplicate key \"userId\"");
    }

    @Test
    void hostileHundredThousandDigitNumberIsRefused() {
        String number = "9".repeat(100_000);
        JsonEventCodec big = JsonEventCodec.create(EventLimits.defaults().withMaxEventBytes(200_000));

        assertThat(violations(() -> codec.decode(HEAD + ",\"properties\":{\"n\":" + number + "}}"))).singleElement()
                .asString().startsWith("event: expected at most 32768 bytes (maxEventBytes)");
        assertThat(violations(() -> big.decode(HEAD + ",\"properties\":{\"n\":" + number + "}}")))
                .containsExactly("properties.n: expected a number of at most 64 characters, got a longer one");
        assertThat(violations(() -> big.decode(HEAD + ",\"properties\":{\"n\":0." + number + "}}")))
                .containsExactly("properties.n: expected a number of at most 64 characters, got a longer one");
    }

    @Test
    void hostileHugeStringBeyondTheLimitIsRefusedByTheParser() {
        JsonEventCodec big = JsonEventCodec.create(EventLimits.defaults().withMaxEventBytes(2_000_000));

        assertThat(violations(() -> big.decode(HEAD + ",\"properties\":{\"s\":\"" + "x".repeat(1_000_000) + "\"}}")))
                .singleElement().asString()
                .startsWith("properties.s: expected a string of at most 8192 characters (maxStringLength)");
    }

    @Test
    void hostileTrailingContentIsRefused() {
        String event = HEAD + "}";

        assertThat(codec.decode(event + " \n")).isNotNull();
        assertThat(violations(() -> codec.decode(event + event)))
                .containsExactly("event: unexpected content after the event's closing brace");
        assertThat(violations(() -> codec.decode(event + " x"))).singleElement().asString()
                .startsWith("event: malformed JSON at line 1, column ").contains("Unrecognized token 'x'");
    }

    @Test
    void encodingRefusesPropertiesNestedDeeperThanTheLimit() {
        JsonEventCodec shallow = JsonEventCodec.create(EventLimits.defaults().withMaxDepth(2));
        Event ok = Event.of("u1", "t").with("a", Map.of("b", 1));
        Event deep = Event.of("u1", "t").with("a", Map.of("b", List.of(1)));

        assertThat(shallow.decode(shallow.encode(ok))).isEqualTo(ok);
        assertThat(violations(() -> shallow.encode(deep)))
                .containsExactly("properties.a.b: nested deeper than 2 levels (maxDepth)");
    }

    private static byte[] withPadding(int totalBytes) {
        String start = HEAD + ",\"properties\":{\"p\":\"";
        String end = "\"}}";
        return (start + "x".repeat(totalBytes - start.length() - end.length()) + end).getBytes(StandardCharsets.UTF_8);
    }

    private static String nestedObjects(int levels) {
        return HEAD + ",\"properties\":" + "{\"a\":".repeat(levels) + "{}" + "}".repeat(levels) + "}";
    }

    private static String objectOf(int properties) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < properties; i++) {
            sb.append(i == 0 ? "" : ",").append("\"p").append(i).append("\":").append(i);
        }
        return sb.append('}').toString();
    }

    static List<String> violations(Runnable action) {
        try {
            action.run();
        } catch (InvalidEventException e) {
            return e.violations().stream().map(Violation::toString).toList();
        }
        throw new AssertionError("expected an InvalidEventException");
    }
}
