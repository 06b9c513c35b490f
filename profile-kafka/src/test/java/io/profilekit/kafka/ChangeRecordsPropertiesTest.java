package io.profilekit.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.profilekit.ProfileChange;
import io.profilekit.ProfileChange.AttributeChange;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hand-written change-record encoder writes exactly what Jackson's generator writes for the
 * same structure, whatever the values, and one reused encoder gives the same bytes as a fresh one.
 */
class ChangeRecordsPropertiesTest {
    private static final JsonFactory JSON = new JsonFactory();
    private final ChangeRecords.Encoder reused = new ChangeRecords.Encoder();

    @Property(tries = 1000)
    void writesWhatJacksonWrites(@ForAll("changes") ProfileChange change) throws IOException {
        byte[] expected = jackson(change);
        assertThat(ChangeRecords.encode(change)).isEqualTo(expected);
        assertThat(reused.encode(change)).isEqualTo(expected);
        // and it is JSON
        JsonNode tree = new ObjectMapper().readTree(expected);
        assertThat(tree.get("userId").asText()).isEqualTo(change.userId());
        assertThat(tree.get("changes").size()).isLessThanOrEqualTo(change.changes().size());
    }

    @Provide
    Arbitrary<ProfileChange> changes() {
        Arbitrary<String> names = Arbitraries.strings().ofMinLength(1).ofMaxLength(12);
        Arbitrary<Optional<Object>> values = values(2).optional(0.2);
        Arbitrary<AttributeChange> attribute = net.jqwik.api.Combinators.combine(names, values, values)
                .as(AttributeChange::new);
        return net.jqwik.api.Combinators.combine(Arbitraries.strings().ofMaxLength(20), Arbitraries.longs(),
                        attribute.list().ofMaxSize(6), Arbitraries.strings().ofMaxLength(36).list().ofMaxSize(4))
                .as(ProfileChange::new);
    }

    /** Every kind of value a profile attribute may hold, and a few it should not, nested to {@code depth}. */
    private static Arbitrary<Object> values(int depth) {
        List<Tuple.Tuple2<Integer, Arbitrary<?>>> kinds = new ArrayList<>(List.of(
                Tuple.of(3, Arbitraries.strings()),
                Tuple.of(2, Arbitraries.strings().withCharRange('\u0000', '\u00ff')),
                Tuple.of(2, Arbitraries.longs()),
                Tuple.of(1, Arbitraries.integers()),
                Tuple.of(2, Arbitraries.doubles()),
                Tuple.of(1, Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 1e300,
                        Double.MIN_VALUE)),
                Tuple.of(1, Arbitraries.floats()),
                Tuple.of(1, Arbitraries.of(Float.NaN, Float.NEGATIVE_INFINITY)),
                Tuple.of(2, Arbitraries.bigDecimals().ofScale(3)),
                Tuple.of(1, Arbitraries.of(new BigDecimal("1E+5"), new BigDecimal("0.000000001"), BigDecimal.ZERO)),
                Tuple.of(1, Arbitraries.bigIntegers().between(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30))),
                Tuple.of(1, Arbitraries.of(true, false)),
                Tuple.of(2, Arbitraries.longs().between(-62_167_219_200L, 253_402_300_799L)
                        .flatMap(s -> Arbitraries.integers().between(0, 999_999_999).map(n -> Instant.ofEpochSecond(s, n)))),
                Tuple.of(1, Arbitraries.of(Instant.MAX, Instant.MIN)),
                Tuple.of(1, Arbitraries.randomValue(r -> new UUID(r.nextLong(), r.nextLong()))),
                Tuple.of(1, Arbitraries.just(null))));
        if (depth > 0) {
            kinds.add(Tuple.of(2, values(depth - 1).list().ofMaxSize(4)));
            kinds.add(Tuple.of(2, Arbitraries.maps(Arbitraries.strings().ofMaxLength(8), values(depth - 1)).ofMaxSize(4)));
        }
        @SuppressWarnings({"unchecked", "rawtypes"})
        Tuple.Tuple2<Integer, Arbitrary<?>>[] all = kinds.toArray(new Tuple.Tuple2[0]);
        return Arbitraries.frequencyOf(all).map(v -> v);
    }

    /** The reference: the same structure through Jackson's generator. */
    private static byte[] jackson(ProfileChange change) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("userId", change.userId());
            g.writeNumberField("version", change.version());
            g.writeObjectFieldStart("changes");
            for (AttributeChange c : change.changes()) {
                g.writeObjectFieldStart(c.name());
                g.writeFieldName("before");
                write(g, c.before().orElse(null));
                g.writeFieldName("after");
                write(g, c.after().orElse(null));
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeArrayFieldStart("causes");
            for (String id : change.causeEventIds()) {
                g.writeString(id);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    private static void write(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String s) {
            g.writeString(s);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof Double d) {
            g.writeNumber(d);
        } else if (v instanceof Float f) {
            g.writeNumber(f);
        } else if (v instanceof BigDecimal bd) {
            g.writeNumber(bd);
        } else if (v instanceof BigInteger bi) {
            g.writeNumber(bi);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Instant i) {
            g.writeString(i.toString());
        } else if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                write(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof Collection<?> c) {
            g.writeStartArray();
            for (Object o : c) {
                write(g, o);
            }
            g.writeEndArray();
        } else {
            g.writeString(v.toString());
        }
    }
}
