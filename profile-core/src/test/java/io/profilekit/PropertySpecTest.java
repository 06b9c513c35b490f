package io.profilekit;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PropertySpecTest {
    @Test
    void numberBoundsAreInclusiveAndExactForEveryNumberType() {
        PropertySpec spec = PropertySpec.number().min(0.1).max(new BigDecimal("100"));

        assertThat(problems(spec, 0.1)).isEmpty();
        assertThat(problems(spec, 100L)).isEmpty();
        assertThat(problems(spec, new BigDecimal("100.000"))).isEmpty();
        assertThat(problems(spec, 0.09999999999999999)).containsExactly(
                "p: expected a number between 0.1 and 100, got 0.09999999999999999");
        assertThat(problems(spec, 0L)).hasSize(1);
        assertThat(problems(spec, new BigDecimal("100.0000000000000000001"))).hasSize(1);
        assertThat(problems(spec, 100.00000000000001)).hasSize(1);
    }

    @Test
    void hostileDecimalsAreNamedWithoutWritingOutAllTheirDigits() {
        PropertySpec spec = PropertySpec.number().min(0);
        Event huge = Event.of("u", "t").with("n", new BigDecimal("-1E+998"));

        assertThat(problems(spec, new BigDecimal("-1E+2147483647")))
                .containsExactly("p: expected a number >= 0, got -1E+2147483647");
        assertThat(problems(spec, new BigDecimal("-1E+100"))).containsExactly("p: expected a number >= 0, got -1E+100");
        assertThat(problems(spec, new BigDecimal("-1E-100"))).containsExactly("p: expected a number >= 0, got -1E-100");
        assertThat(problems(spec, new BigDecimal("-1E+60")))
                .containsExactly("p: expected a number >= 0, got -1" + "0".repeat(60));
        assertThatThrownBy(() -> huge.longValue("n")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("t.n: expected an integer, got -1E+998");
    }

    @Test
    void controlCharactersInAValueAreEscapedInMessagesSoTheyCannotForgeALogLine() {
        PropertySpec spec = PropertySpec.number();
        assertThat(problems(spec, "12\nERROR forged line\r\t\u0000\u2028\"q\""))
                .containsExactly("p: expected a number, got \"12\\nERROR forged line\\r\\t\\u0000\\u2028\\\"q\\\"\"");
        String longOne = "\n".repeat(100);
        assertThat(problems(spec, longOne)).singleElement().satisfies(m -> {
            assertThat(m).doesNotContain("\n").startsWith("p: expected a number, got \"\\n\\n").endsWith("...\"");
            assertThat(m.length()).isLessThan(100);
        });
    }

    @Test
    void longValuesAreCutInMessagesWithoutAStrayQuoteOrAHalfCharacter() {
        PropertySpec spec = PropertySpec.number().min(0);
        String emoji = "\uD83D\uDE00";

        assertThat(problems(spec, new BigDecimal("-" + "1".repeat(100))))
                .containsExactly("p: expected a number >= 0, got -" + "1".repeat(60) + "...");
        assertThat(problems(spec, "x".repeat(59) + emoji + "x".repeat(10)))
                .containsExactly("p: expected a number >= 0, got \"" + "x".repeat(59) + "...\"");
        assertThat(problems(spec, "x".repeat(58) + emoji + "x".repeat(10)))
                .containsExactly("p: expected a number >= 0, got \"" + "x".repeat(58) + emoji + "...\"");
    }

    @Test
    void integerAcceptsWholeNumbersOfAnyType() {
        PropertySpec spec = PropertySpec.integer().max(Long.MAX_VALUE);

        assertThat(problems(spec, 5L)).isEmpty();
        assertThat(problems(spec, 5.0)).isEmpty();
        assertThat(problems(spec, new BigDecimal("5.00"))).isEmpty();
        assertThat(problems(spec, 5.5)).containsExactly("p: expected an integer <= 9223372036854775807, got 5.5");
        assertThat(problems(spec, "5")).hasSize(1);
    }

    @Test
    void stringConstraintsCombine() {
        PropertySpec spec = PropertySpec.string().maxLength(3).pattern("[a-z]+");

        assertThat(problems(spec, "abc")).isEmpty();
        assertThat(problems(spec, "abcd")).containsExactly("p: expected a string of at most 3 characters matching [a-z]+, got \"abcd\"");
        assertThat(problems(spec, "AB")).hasSize(1);
    }

    @Test
    void listItemsAreCheckedOneByOneNamingTheirIndex() {
        PropertySpec spec = PropertySpec.list().maxSize(3).of(PropertySpec.string());

        assertThat(problems(spec, List.of("a", "b"))).isEmpty();
        assertThat(problems(spec, List.of("a", 1, true))).containsExactly("p[1]: expected a string, got 1",
                "p[2]: expected a string, got true");
        assertThat(problems(spec, List.of("a", "b", "c", "d"))).containsExactly(
                "p: expected a list of at most 3 items, got a list of 4 items");
    }

    @Test
    void otherKindsAcceptOnlyTheirType() {
        assertThat(problems(PropertySpec.bool(), true)).isEmpty();
        assertThat(problems(PropertySpec.bool(), "true")).containsExactly("p: expected a boolean, got \"true\"");
        assertThat(problems(PropertySpec.object(), Map.of())).isEmpty();
        assertThat(problems(PropertySpec.timestamp(), Instant.EPOCH)).isEmpty();
        assertThat(problems(PropertySpec.timestamp(), "2026-11-28T10:15:30Z")).isEmpty();
        assertThat(problems(PropertySpec.timestamp(), "2026-11-28")).containsExactly(
                "p: expected an ISO-8601 timestamp, got \"2026-11-28\"");
        assertThat(problems(PropertySpec.any(), null)).isEmpty();
        assertThat(problems(PropertySpec.string(), null)).containsExactly("p: expected a string, got null");
    }

    @Test
    void refusesBoundsThatDoNotApplyOrContradict() {
        assertThatThrownBy(() -> PropertySpec.number().maxLength(3)).isInstanceOf(IllegalStateException.class)
                .hasMessage("maxLength applies to string specs, not to a number");
        assertThatThrownBy(() -> PropertySpec.string().min(1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> PropertySpec.number().min(5).max(4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("min 5 is greater than max 4");
        assertThatThrownBy(() -> PropertySpec.number().min(Double.NaN)).hasMessage("min must be finite, got NaN");
        assertThatThrownBy(() -> PropertySpec.string().oneOf()).isInstanceOf(IllegalArgumentException.class);
    }

    private static List<String> problems(PropertySpec spec, Object value) {
        List<Violation> out = new ArrayList<>();
        boolean ok = spec.check("p", value, out);
        assertThat(ok).isEqualTo(out.isEmpty());
        assertThat(spec.check("p", value, null)).isEqualTo(ok);
        return out.stream().map(Violation::toString).toList();
    }
}
