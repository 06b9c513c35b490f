package io.profilekit.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link TopicSetup} against a real broker: what it creates, and the existing topics it refuses. */
class TopicSetupBrokerTest {
    static TestBroker broker;
    static Admin admin;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    @AfterAll
    static void stopBroker() {
        admin.close();
        broker.close();
    }

    static void setCleanupPolicy(String topic, String policy) throws Exception {
        try {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        } catch (ExecutionException e) {
            assertThat(e).hasCauseInstanceOf(TopicExistsException.class);
        }
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        admin.incrementalAlterConfigs(Map.of(r, List.of(new AlterConfigOp(
                new ConfigEntry(TopicConfig.CLEANUP_POLICY_CONFIG, policy), AlterConfigOp.OpType.SET)))).all().get();
        Await.await(Duration.ofSeconds(30), () -> {
            try {
                return policy.equals(admin.describeConfigs(List.of(r)).all().get().get(r)
                        .get(TopicConfig.CLEANUP_POLICY_CONFIG).value());
            } catch (Exception notYetKnown) {
                return false;
            }
        }, () -> "the broker does not show cleanup.policy=" + policy + " for " + topic);
    }

    @Test
    void anExistingProfileUpdatesTopicThatIsNotCompactedIsRefused() throws Exception {
        setCleanupPolicy(TopicSetup.PROFILE_UPDATES, TopicConfig.CLEANUP_POLICY_DELETE);
        TopicSetup setup = TopicSetup.builder().eventTopics(List.of("plain-events")).build();
        assertThatThrownBy(() -> setup.apply(admin)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("profile-updates").hasMessageContaining("cleanup.policy=delete")
                .hasMessageNotContaining("plain-events");

        setCleanupPolicy(TopicSetup.PROFILE_UPDATES, TopicConfig.CLEANUP_POLICY_COMPACT);
        assertThat(setup.apply(admin)).as("every topic exists now, as it should be").isEmpty();
    }

    @Test
    void anExistingEventTopicThatIsCompactedIsRefused() throws Exception {
        setCleanupPolicy(TopicSetup.PROFILE_UPDATES, TopicConfig.CLEANUP_POLICY_COMPACT);
        setCleanupPolicy("compacted-events", TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE);
        TopicSetup setup = TopicSetup.builder().eventTopics(List.of("compacted-events")).build();
        assertThatThrownBy(() -> setup.apply(admin)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("compacted-events").hasMessageContaining("cleanup.policy=compact,delete")
                .hasMessageNotContaining("profile-updates");
    }
}
