package io.profilekit;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventLimitsTest {
    @Test
    void defaultsAreTheDocumentedOnes() {
        EventLimits d = EventLimits.defaults();

        assertThat(d).isEqualTo(new EventLimits(32_768, 16, 8_192, 256, 256, Duration.ofHours(1)));
    }

    @Test
    void withMethodsChangeOneLimitEach() {
        EventLimits d = EventLimits.defaults();

        assertThat(d.withMaxEventBytes(1)).isEqualTo(new EventLimits(1, 16, 8_192, 256, 256, Duration.ofHours(1)));
        assertThat(d.withMaxDepth(2)).isEqualTo(new EventLimits(32_768, 2, 8_192, 256, 256, Duration.ofHours(1)));
        assertThat(d.withMaxStringLength(3)).isEqualTo(new EventLimits(32_768, 16, 3, 256, 256, Duration.ofHours(1)));
        assertThat(d.withMaxProperties(4)).isEqualTo(new EventLimits(32_768, 16, 8_192, 4, 256, Duration.ofHours(1)));
        assertThat(d.withMaxUserIdBytes(5)).isEqualTo(new EventLimits(32_768, 16, 8_192, 256, 5, Duration.ofHours(1)));
        assertThat(d.withMaxFutureSkew(Duration.ZERO)).isEqualTo(new EventLimits(32_768, 16, 8_192, 256, 256, Duration.ZERO));
        assertThat(d).isEqualTo(EventLimits.defaults());
    }

    @Test
    void refusesNonPositiveLimitsNamingTheFieldAndValue() {
        EventLimits d = EventLimits.defaults();

        assertThatThrownBy(() -> d.withMaxEventBytes(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxEventBytes must be positive, got 0");
        assertThatThrownBy(() -> d.withMaxDepth(-1)).hasMessage("maxDepth must be positive, got -1");
        assertThatThrownBy(() -> d.withMaxDepth(1001)).hasMessage("maxDepth must be at most 1000, got 1001");
        assertThatThrownBy(() -> d.withMaxStringLength(0)).hasMessage("maxStringLength must be positive, got 0");
        assertThatThrownBy(() -> d.withMaxProperties(0)).hasMessage("maxProperties must be positive, got 0");
        assertThatThrownBy(() -> d.withMaxUserIdBytes(-7)).hasMessage("maxUserIdBytes must be positive, got -7");
        assertThatThrownBy(() -> d.withMaxFutureSkew(Duration.ofSeconds(-1)))
                .hasMessage("maxFutureSkew must not be negative, got PT-1S");
        assertThatThrownBy(() -> d.withMaxFutureSkew(null)).isInstanceOf(NullPointerException.class);
        assertThat(d.withMaxDepth(1000).maxDepth()).isEqualTo(1000);
    }
}
