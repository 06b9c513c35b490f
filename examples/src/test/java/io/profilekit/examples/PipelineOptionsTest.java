package io.profilekit.examples;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The demo's command line: defaults, values, and errors that name the option and the value. */
class PipelineOptionsTest {

    @Test
    void noArgumentsGiveTheEmbeddedDefaults() {
        Pipeline.Options o = Pipeline.Options.parse(new String[0]);
        assertThat(o).isEqualTo(new Pipeline.Options(null, null, 20, 2000, 100_000));
    }

    @Test
    void optionsTakeTheirValues() {
        Pipeline.Options o = Pipeline.Options.parse(new String[] {"--bootstrap-servers", "k:9092", "--redis", "r:6379",
                "--duration", "60", "--rate", "5000", "--users", "10"});
        assertThat(o).isEqualTo(new Pipeline.Options("k:9092", "r:6379", 60, 5000, 10));
    }

    @Test
    void helpAsksForTheUsage() {
        assertThat(Pipeline.Options.parse(new String[] {"--rate", "10", "--help"})).isNull();
        assertThat(Pipeline.USAGE).contains("--bootstrap-servers", "--redis", "--duration", "--rate", "--users");
    }

    @Test
    void badValuesNameTheOptionAndTheValue() {
        assertThatThrownBy(() -> Pipeline.Options.parse(new String[] {"--rate", "fast"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("--rate: expected a whole number, got \"fast\"");
        assertThatThrownBy(() -> Pipeline.Options.parse(new String[] {"--duration", "0"}))
                .hasMessage("--duration: expected a number of at least 1, got 0");
        assertThatThrownBy(() -> Pipeline.Options.parse(new String[] {"--users"})).hasMessage("--users needs a value");
        assertThatThrownBy(() -> Pipeline.Options.parse(new String[] {"--redis", "nohost"}))
                .hasMessage("--redis: expected host:port, got \"nohost\"");
        assertThatThrownBy(() -> Pipeline.Options.parse(new String[] {"--bootstrap-servers", "k:9092,k2"}))
                .hasMessage("--bootstrap-servers: expected host:port[,host:port...], got \"k:9092,k2\"");
        assertThat(Pipeline.Options.parse(new String[] {"--redis", "redis://r:6379"}).redis()).isEqualTo("redis://r:6379");
        assertThatThrownBy(() -> Pipeline.Options.parse(new String[] {"--speed", "3"}))
                .hasMessage("unknown option --speed; --help lists them");
    }
}
