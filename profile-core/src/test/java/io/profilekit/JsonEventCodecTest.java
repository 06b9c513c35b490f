package io.profilekit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonEventCodecTest {
    private final JsonEventCodec codec = JsonEventCodec.create();

    static Map<String, Event> goldenEvents() {
        Map<String, Event> golden = new LinkedHashMap<>();
        golden.put("page_view", new Event("0b6d2c1e-5f3a-4c8e-9d7b-1a2b3c4d5e6f", "u42", "page_view",
                Instant.parse("2026-11-28T10:15:30.123Z"), Optional.of("s1"),
                ordered("url", "/shoes", "referrer", "https://search.example/?q=shoes")));
        golden.put("purchase", new Event("e-1001", "u42", "purchase", Instant.parse("2026-11-28T10:16:00Z"),
                Optional.empty(), ordered("order_id", "o-77", "amount", 129.5, "currency", "EUR", "quantity", 3L,
                "gift", false, "coupon", null, "items", List.of(ordered("sku", "A-1", "price", 99.5),
                        ordered("sku", "B-2", "price", 30.0)))));
        golden.put("form_submit", new Event("e-2002", "ユーザー", "form_submit",
                Instant.parse("2026-11-28T10:17:45.000001Z"), Optional.of("s-9"),
                ordered("form_id", "signup", "fields", ordered("name", "Zoë \"Z\" Müller", "newsletter", true,
                        "tags", List.of("a\nb", "tab\there"), "age", -41L, "score", 1.0E-7))));
        golden.put("no_properties", new Event("e-3003", "u7", "logout", Instant.EPOCH, Optional.empty(), Map.of()));
        return golden;
    }

    @ParameterizedTest
    @ValueSource(strings = {"page_view", "purchase", "form_submit", "no_properties"})
    void decodesGoldenFileToTheExpectedEvent(String name) throws IOException {
        Event decoded = codec.decode(golden(name));

        assertThat(decoded).isEqualTo(goldenEvents().get(name));
        assertThat(List.copyOf(decoded.properties().keySet()))
                .containsExactlyElementsOf(goldenEvents().get(name).properties().keySet());
    }

    @ParameterizedTest
    @ValueSource(strings = {"page_view", "purchase", "form_submit", "no_properties"})
    void encodesExpectedEventByteForByteAsTheGoldenFile(String name) throws IOException {
        byte[] encoded = codec.encode(goldenEvents().get(name));

        assertThat(new String(encoded, StandardCharsets.UTF_8)).isEqualTo(new String(golden(name), StandardCharsets.UTF_8));
        assertThat(encoded).isEqualTo(golden(name));
        assertThat(codec.encodeToString(goldenEvents().get(name))).isEqualTo(new String(golden(name), StandardCharsets.UTF_8));
    }

    @Test
    void decodesFromStringLikeFromBytes() throws IOException {
        String json = new String(golden("form_submit"), StandardCharsets.UTF_8);

        assertThat(codec.decode(json)).isEqualTo(goldenEvents().get("form_submit"));
    }

    @Test
    void readsEpochMillisAndGivesAMissingEventIdARandomUuid() {
        Event e = codec.decode("{\"userId\":\"u1\",\"type\":\"click\",\"timestamp\":1795860930123,"
                + "\"properties\":{\"element\":\"buy\"}}");

        assertThat(e.timestamp()).isEqualTo(Instant.ofEpochMilli(1795860930123L));
        assertThat(UUID.fromString(e.eventId()).version()).isEqualTo(4);
        assertThat(e.sessionId()).isEmpty();
        assertThat(codec.decode("{\"userId\":\"u1\",\"type\":\"click\",\"timestamp\":0}").eventId())
                .isNotEqualTo(codec.decode("{\"userId\":\"u1\",\"type\":\"click\",\"timestamp\":0}").eventId());
    }

    @Test
    void acceptsIsoTimestampsWithAnOffsetAndNullOptionalFields() {
        Event e = codec.decode("{\"userId\":\"u1\",\"type\":\"t\",\"timestamp\":\"2026-11-28T11:15:30+01:00\","
                + "\"sessionId\":null,\"properties\":null}");

        assertThat(e.timestamp()).isEqualTo(Instant.parse("2026-11-28T10:15:30Z"));
        assertThat(e.sessionId()).isEmpty();
        assertThat(e.properties()).isEmpty();
    }

    @Test
    void writesBigDecimalAsANumberAndInstantAsAnIsoString() {
        Event e = new Event("e1", "u1", "t", Instant.EPOCH, Optional.empty(),
                ordered("price", new BigDecimal("19.990"), "at", Instant.parse("2026-01-02T03:04:05Z")));

        assertThat(codec.encodeToString(e)).isEqualTo("{\"eventId\":\"e1\",\"userId\":\"u1\",\"type\":\"t\","
                + "\"timestamp\":\"1970-01-01T00:00:00Z\",\"properties\":{\"price\":19.990,\"at\":\"2026-01-02T03:04:05Z\"}}");
        assertThat(codec.decode(codec.encode(e)).properties())
                .containsEntry("price", 19.99).containsEntry("at", "2026-01-02T03:04:05Z");
    }

    @Test
    void reportsEveryProblemOfAnEnvelopeAtOnce() {
        String json = "{\"eventId\":7,\"userId\":\" \",\"timestamp\":\"yesterday\",\"colour\":\"red\","
                + "\"properties\":{\"big\":18446744073709551616,\"ok\":1}}";

        assertThatThrownBy(() -> codec.decode(json))
                .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.violations())
                        .extracting(Violation::toString)
                        .containsExactly(
                                "eventId: expected a string, got 7",
                                "timestamp: expected an ISO-8601 timestamp or epoch milliseconds, got \"yesterday\"",
                                "colour: unknown field (expected eventId, userId, type, timestamp, sessionId or properties)",
                                "properties.big: expected an integer within 64 bits, got 18446744073709551616",
                                "type: required field is missing"));
    }

    @Test
    void checksIdentifiersOnceTheEnvelopeIsComplete() {
        String json = "{\"userId\":\" \",\"type\":\"\",\"timestamp\":0,\"sessionId\":\"" + "s".repeat(257) + "\"}";

        assertThatThrownBy(() -> codec.decode(json))
                .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.violations())
                        .extracting(Violation::toString)
                        .containsExactly("userId: must not be blank", "type: must not be blank",
                                "sessionId: expected at most 256 characters, got 257"));
    }

    @Test
    void refusesAPropertiesValueThatIsNotAnObject() {
        assertThatThrownBy(() -> codec.decode("{\"userId\":\"u\",\"type\":\"t\",\"timestamp\":0,\"properties\":[1]}"))
                .hasMessage("properties: expected an object, got a list");
    }

    @Test
    void refusesADocumentThatIsNotAnObject() {
        assertThatThrownBy(() -> codec.decode("[]")).hasMessage("event: expected a JSON object, got a list");
        assertThatThrownBy(() -> codec.decode("")).hasMessage("event: expected a JSON object, got nothing");
        assertThatThrownBy(() -> codec.decode("\"u\"")).hasMessage("event: expected a JSON object, got \"u\"");
    }

    @Test
    void refusesTruncatedJsonWithItsPosition() {
        assertThatThrownBy(() -> codec.decode("{\"userId\":\"u\",\"properties\":{\"a\":[1,"))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("properties.a[1]: malformed JSON at line 1, column 36: Unexpected end-of-input");
    }

    @Test
    void encodesLoneSurrogatesSoThatTheyDecodeBack() {
        Event e = new Event("e1", "u1", "t", Instant.EPOCH, Optional.empty(), Map.of("s", "x\uD800y"));

        assertThat(codec.decode(codec.encode(e))).isEqualTo(e);
    }

    @Test
    void isUsableFromManyThreadsAtOnce() throws Exception {
        Event expected = goldenEvents().get("purchase");
        byte[] json = codec.encode(expected);
        List<Thread> threads = new java.util.ArrayList<>();
        java.util.concurrent.ConcurrentLinkedQueue<Object> results = new java.util.concurrent.ConcurrentLinkedQueue<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 500; i++) {
                    results.add(codec.decode(codec.encode(codec.decode(json))));
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }

        assertThat(results).hasSize(2000).allMatch(expected::equals);
    }

    static byte[] golden(String name) throws IOException {
        try (InputStream in = JsonEventCodecTest.class.getResourceAsStream("/golden/" + name + ".json")) {
            assertThat(in).as("golden file " + name).isNotNull();
            return in.readAllBytes();
        }
    }

    /** A map keeping the order of its entries, so that encoding order can be checked. */
    static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
