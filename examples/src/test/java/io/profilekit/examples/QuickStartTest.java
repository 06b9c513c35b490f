package io.profilekit.examples;

import io.profilekit.RecordResult;
import io.profilekit.RecordResult.Outcome;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class QuickStartTest {

    @Test
    void theDemoAppliesTheStreamDropsTheResendAndExplainsTheInvalidEvent() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        List<RecordResult> results = QuickStart.run(new PrintStream(buf, true, StandardCharsets.UTF_8),
                Clock.fixed(QuickStart.T0.plus(Duration.ofHours(1)), ZoneOffset.UTC));
        String out = buf.toString(StandardCharsets.UTF_8);

        assertThat(results).extracting(RecordResult::outcome)
                .containsOnly(Outcome.APPLIED, Outcome.DUPLICATE, Outcome.REJECTED);
        assertThat(results).filteredOn(r -> r.outcome() == Outcome.DUPLICATE).hasSize(1);
        assertThat(results).filteredOn(r -> r.outcome() == Outcome.REJECTED).hasSize(1);
        assertThat(out).contains("rejected: purchase.amount: expected a number >= 0, got \"12,50 EUR\"");
        assertThat(out).contains("rejected: purchase.currency");
        assertThat(out).containsPattern("last_url +/shoes/trail-runner-2");
        assertThat(out).containsPattern("first_referrer +https://ads.example/campaign-7");
        assertThat(out).containsPattern("lifetime_value +153.90");
        assertThat(out).containsPattern("purchases +2");
    }
}
