package io.profilekit.kafka;

import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicSetupTest {
    @Test
    void compactsProfileUpdatesAndBoundsDeadLetterRetention() {
        Map<String, NewTopic> topics = TopicSetup.builder().partitions(12).replicationFactor((short) 3)
                .deadLetterRetention(Duration.ofDays(2)).maxMessageBytes(2 << 20).build().topics();
        assertThat(topics.keySet()).containsExactly("user-events", "purchase-data", "profile-updates",
                "user-events.dlq", "user-events.late");
        assertThat(topics.get("profile-updates").configs()).containsEntry("cleanup.policy", "compact");
        assertThat(topics.get("user-events.dlq").configs()).containsEntry("retention.ms", "172800000");
        assertThat(topics.get("user-events").configs()).containsEntry("max.message.bytes", "2097152")
                .doesNotContainKey("cleanup.policy");
        assertThat(topics.values()).allSatisfy(t -> {
            assertThat(t.numPartitions()).isEqualTo(12);
            assertThat(t.replicationFactor()).isEqualTo((short) 3);
        });
    }

    @Test
    void eventTopicsAreConfigurable() {
        assertThat(TopicSetup.builder().eventTopics(List.of("clicks")).build().topics().keySet())
                .containsExactly("clicks", "profile-updates", "user-events.dlq", "user-events.late");
        assertThatThrownBy(() -> TopicSetup.builder().partitions(0)).hasMessageContaining("partitions");
    }
}
