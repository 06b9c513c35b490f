package io.profilekit.kafka;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KafkaProfileProcessorBuilderTest {
    @Test
    void consumersOutsideOneToSixtyFourAreRefusedNamingTheOptionAndTheValue() {
        assertThatThrownBy(() -> KafkaProfileProcessor.builder().consumers(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("consumers must be between 1 and 64, got 0");
        assertThatThrownBy(() -> KafkaProfileProcessor.builder().consumers(65))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("consumers must be between 1 and 64, got 65");
        assertThatThrownBy(() -> KafkaProfileProcessor.builder().consumers(-3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got -3");
    }

    @Test
    void consumersFromOneToSixtyFourAreTaken() {
        KafkaProfileProcessor.Builder b = KafkaProfileProcessor.builder();
        assertThat(b.consumers(1)).isSameAs(b);
        assertThat(b.consumers(KafkaProfileProcessor.Builder.MAX_CONSUMERS)).isSameAs(b);
    }
}
