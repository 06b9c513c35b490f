package io.profilekit.internal;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.math.BigDecimal;
import java.math.BigInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link JsonValues#describe} names values as they read, without ever writing out a huge one. */
class JsonValuesPropertiesTest {
    /** A decimal short enough in plain form is described so; a longer one in scientific form. */
    @Property(tries = 2000)
    void decimalsAreDescribedInPlainFormWhenThatIsShort(@ForAll("decimals") BigDecimal value) {
        String plain = value.toPlainString();
        String expected = plain.length() > 64 ? value.toString() : plain;

        assertThat(JsonValues.describe(value))
                .isEqualTo(expected.length() > 64 ? expected.substring(0, 61) + "..." : expected);
    }

    /** Decimals of 1 to 70 digits, either sign, with scales around the plain-form limit of 64 chars. */
    @Provide
    Arbitrary<BigDecimal> decimals() {
        Arbitrary<BigInteger> unscaled = Arbitraries.integers().between(1, 70)
                .flatMap(digits -> Arbitraries.strings().numeric().ofLength(digits))
                .map(BigInteger::new)
                .flatMap(n -> Arbitraries.of(n, n.negate()));
        return Combinators.combine(unscaled, Arbitraries.integers().between(-80, 80)).as(BigDecimal::new);
    }
}
