package io.profilekit.internal;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.format.DateTimeParseException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fast path of {@link IsoInstant} against {@link Instant#parse} and {@link Instant#toString}. */
class IsoInstantTest {

    @Property(tries = 3000)
    void formatsAsInstantToString(@ForAll @LongRange(min = -70_000_000_000L, max = 260_000_000_000L) long second,
                                  @ForAll("nanos") int nano) {
        Instant t = Instant.ofEpochSecond(second, nano);
        assertThat(IsoInstant.format(t)).isEqualTo(t.toString());
        byte[] out = new byte[40];
        int end = IsoInstant.format(t, out, 3);
        if (end >= 0) {
            assertThat(new String(out, 3, end - 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo(t.toString());
        } else {
            assertThat(t.toString()).matches("[-+].*");
        }
    }

    @Property(tries = 3000)
    void parsesWhatToStringWrites(@ForAll @LongRange(min = -62_167_219_200L, max = 253_402_300_799L) long second,
                                  @ForAll("nanos") int nano) {
        Instant t = Instant.ofEpochSecond(second, nano);
        assertThat(IsoInstant.tryParse(t.toString())).isEqualTo(t);
        assertThat(IsoInstant.parse(t.toString())).isEqualTo(t);
    }

    @Provide
    Arbitrary<Integer> nanos() {
        return Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.integers().between(0, 999).map(m -> m * 1_000_000),
                Arbitraries.integers().between(0, 999_999).map(u -> u * 1000), Arbitraries.integers().between(0, 999_999_999));
    }

    /** Strings near the common form, one character changed: the fast path and Instant.parse agree. */
    @Property(tries = 5000)
    void agreesWithInstantParseOnNearMisses(@ForAll("dates") String base, @ForAll @IntRange(min = 0, max = 29) int at,
                                            @ForAll("replacements") char c) {
        String s = at < base.length() ? base.substring(0, at) + c + base.substring(at + 1) : base + c;
        Instant expected;
        try {
            expected = Instant.parse(s);
        } catch (DateTimeParseException e) {
            assertThat(IsoInstant.tryParse(s)).as(s).isNull();
            assertThatThrownBy(() -> IsoInstant.parse(s)).isInstanceOf(DateTimeParseException.class);
            return;
        }
        assertThat(IsoInstant.parse(s)).as(s).isEqualTo(expected);
        Instant fast = IsoInstant.tryParse(s);
        if (fast != null) {
            assertThat(fast).as(s).isEqualTo(expected);
        }
    }

    @Provide
    Arbitrary<String> dates() {
        return Arbitraries.of("2026-11-28T10:15:30Z", "2024-02-29T23:59:59.999Z", "2023-02-28T00:00:00.123456Z",
                "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "1969-12-31T23:59:59.5Z", "2000-02-29T12:00:00Z",
                "1900-02-28T01:02:03.04Z");
    }

    @Provide
    Arbitrary<Character> replacements() {
        return Arbitraries.of('0', '1', '2', '3', '4', '5', '6', '9', '-', ':', '.', 'T', 't', 'Z', 'z', '+', ' ', 'x', '\u0660');
    }

    @Test
    void leavesInvalidOrUnusualTextToInstantParse() {
        for (String bad : new String[] {"2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-04-31T00:00:00Z",
            "2026-11-28T24:00:00Z", "2026-11-28T10:60:00Z", "2026-11-28T10:15:30.1234567890Z", "2026-11-28 10:15:30Z",
            "2026-11-28T10:15:30", "abcd-11-28T10:15:30Z", ""}) {
            assertThat(IsoInstant.tryParse(bad)).as(bad).isNull();
            Instant expected;
            try {
                expected = Instant.parse(bad);
            } catch (DateTimeParseException e) {
                assertThatThrownBy(() -> IsoInstant.parse(bad)).as(bad).isInstanceOf(DateTimeParseException.class)
                        .hasMessage(e.getMessage());
                continue;
            }
            assertThat(IsoInstant.parse(bad)).as(bad).isEqualTo(expected); // 24:00, the next day's midnight
        }
        assertThatThrownBy(() -> IsoInstant.parse("2023-02-29T00:00:00Z")).isInstanceOf(DateTimeParseException.class);
    }

    @Test
    void leavesOtherFormsToInstantParse() {
        assertThat(IsoInstant.tryParse("2026-11-28T10:15:30+01:00")).isNull();
        assertThat(IsoInstant.parse("2026-11-28T10:15:30+01:00")).isEqualTo(Instant.parse("2026-11-28T09:15:30Z"));
        assertThat(IsoInstant.parse("2026-11-28t10:15:30z")).isEqualTo(Instant.parse("2026-11-28T10:15:30Z"));
    }
}
