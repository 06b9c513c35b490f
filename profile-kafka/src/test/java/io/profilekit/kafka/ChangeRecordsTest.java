package io.profilekit.kafka;

import io.profilekit.ProfileChange;
import io.profilekit.ProfileChange.AttributeChange;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ChangeRecordsTest {
    @Test
    void encodesBeforeAndAfterOfEachAttributeAndTheCauses() {
        ProfileChange change = new ProfileChange("u42", 7, List.of(
                new AttributeChange("page_views", Optional.of(6L), Optional.of(7L)),
                new AttributeChange("lifetime_value", Optional.empty(), Optional.of(new BigDecimal("19.90"))),
                new AttributeChange("last_seen", Optional.of(Instant.parse("2026-11-28T10:00:00Z")),
                        Optional.of(Instant.parse("2026-11-28T10:05:00Z"))),
                new AttributeChange("recent_pages", Optional.of(List.of("/a")), Optional.empty())),
                List.of("e1", "e2"));
        String json = new String(ChangeRecords.encode(change), StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"userId\":\"u42\",\"version\":7,\"changes\":{"
                + "\"page_views\":{\"before\":6,\"after\":7},"
                + "\"lifetime_value\":{\"before\":null,\"after\":19.90},"
                + "\"last_seen\":{\"before\":\"2026-11-28T10:00:00Z\",\"after\":\"2026-11-28T10:05:00Z\"},"
                + "\"recent_pages\":{\"before\":[\"/a\"],\"after\":null}},"
                + "\"causes\":[\"e1\",\"e2\"]}");
    }
}
