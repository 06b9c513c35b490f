package io.profilekit;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventSchemasTest {
    private static final Instant T = Instant.parse("2026-11-28T10:15:30Z");
    private final EventSchemas builtIn = EventSchemas.builtIn();

    @Test
    void validBuiltInEventsHaveNoViolations() {
        assertThat(builtIn.validate(event("page_view").with("url", "/").with("referrer", "r").with("title", "t"))).isEmpty();
        assertThat(builtIn.validate(event("click").with("element", "buy").with("url", "/"))).isEmpty();
        assertThat(builtIn.validate(event("purchase").with("order_id", "o1").with("amount", 0L).with("currency", "EUR")
                .with("category", "shoes").with("items", List.of("a", 1)).with("extra", "allowed"))).isEmpty();
        assertThat(builtIn.validate(event("purchase").with("order_id", "o1").with("amount", new BigDecimal("19.99"))
                .with("currency", "USD"))).isEmpty();
        assertThat(builtIn.validate(event("form_submit").with("form_id", "f").with("fields", Map.of("a", 1)))).isEmpty();
    }

    @Test
    void pageViewReportsEveryProblem() {
        assertThat(messages(event("page_view").with("referrer", 5).with("title", List.of())))
                .containsExactly("page_view.url: required property is missing",
                        "page_view.referrer: expected a string, got 5",
                        "page_view.title: expected a string, got a list of 0 items");
    }

    @Test
    void clickReportsEveryProblem() {
        assertThat(messages(event("click").with("element", null).with("url", true)))
                .containsExactly("click.element: expected a string, got null", "click.url: expected a string, got true");
    }

    @Test
    void purchaseReportsEveryProblemNamingTheValue() {
        assertThat(messages(event("purchase").with("amount", "abc").with("currency", "usd").with("items", "x")))
                .containsExactly("purchase.order_id: required property is missing",
                        "purchase.amount: expected a number >= 0, got \"abc\"",
                        "purchase.currency: expected a string matching [A-Z]{3}, got \"usd\"",
                        "purchase.items: expected a list, got \"x\"");
        assertThat(messages(event("purchase").with("order_id", "o").with("amount", -5).with("currency", "EURO")))
                .containsExactly("purchase.amount: expected a number >= 0, got -5",
                        "purchase.currency: expected a string matching [A-Z]{3}, got \"EURO\"");
        assertThat(messages(event("purchase").with("order_id", "o").with("amount", -0.01).with("currency", "EUR")))
                .containsExactly("purchase.amount: expected a number >= 0, got -0.01");
    }

    @Test
    void formSubmitReportsEveryProblem() {
        assertThat(messages(event("form_submit").with("fields", List.of(1))))
                .containsExactly("form_submit.form_id: required property is missing",
                        "form_submit.fields: expected an object, got a list of 1 items");
    }

    @Test
    void optionalPropertyWithNullValueCountsAsAbsent() {
        assertThat(builtIn.validate(event("click").with("element", "e").with("url", null))).isEmpty();
    }

    @Test
    void unknownTypesAreRefusedUnlessAllowed() {
        Event foo = event("foo").with("anything", 1);

        assertThat(messages(foo)).containsExactly(
                "type: unknown event type \"foo\" (register a schema or allow unknown types)");
        EventSchemas lenient = builtIn.toBuilder().allowUnknownTypes(true).build();
        assertThat(lenient.validate(foo)).isEmpty();
        assertThat(lenient.validate(event("click"))).extracting(Violation::toString)
                .containsExactly("click.element: required property is missing");
        assertThat(builtIn.allowsUnknownTypes()).isFalse();
        assertThat(lenient.allowsUnknownTypes()).isTrue();
    }

    @Test
    void registerAddsATypeAndReplacesOneOfTheSameName() {
        EventSchemas custom = builtIn.toBuilder()
                .register(EventSchema.builder("search").required("query", PropertySpec.string().maxLength(5)).build())
                .register(EventSchema.builder("click").build())
                .build();

        assertThat(custom.types()).containsExactlyInAnyOrder("page_view", "click", "purchase", "form_submit", "search");
        assertThat(custom.validate(event("click"))).isEmpty();
        assertThat(custom.validate(event("search").with("query", "shoes!"))).extracting(Violation::toString)
                .containsExactly("search.query: expected a string of at most 5 characters, got \"shoes!\"");
        assertThat(builtIn.validate(event("click"))).isNotEmpty();
        assertThat(custom.schema("search")).map(EventSchema::type).contains("search");
        assertThat(builtIn.schema("search")).isEmpty();
    }

    @Test
    void emptyBuilderKnowsNoType() {
        EventSchemas none = EventSchemas.builder().build();

        assertThat(none.types()).isEmpty();
        assertThat(none.validate(event("page_view").with("url", "/"))).hasSize(1);
    }

    @Test
    void schemaWithoutAdditionalPropertiesNamesEachUnknownOne() {
        EventSchema strict = EventSchema.builder("signup").required("plan", PropertySpec.string().oneOf("free", "pro"))
                .optional("seats", PropertySpec.integer().min(1).max(500)).additionalProperties(false).build();

        assertThat(strict.validate(event("signup").with("plan", "pro").with("seats", 3L))).isEmpty();
        assertThat(strict.validate(event("signup").with("plan", "gold").with("seats", 2.5).with("x", 1).with("y", 2)))
                .extracting(Violation::toString).containsExactly(
                        "signup.plan: expected one of \"free\", \"pro\", got \"gold\"",
                        "signup.seats: expected an integer between 1 and 500, got 2.5",
                        "signup.x: unknown property (the schema allows no others)",
                        "signup.y: unknown property (the schema allows no others)");
        assertThat(strict.validate(event("other").with("plan", "free"))).extracting(Violation::toString)
                .containsExactly("type: expected \"signup\" for this schema, got \"other\"");
    }

    @Test
    void builderRefusesBlankTypesAndDuplicateProperties() {
        assertThatThrownBy(() -> EventSchema.builder(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("an event type must not be blank");
        assertThatThrownBy(() -> EventSchema.builder("t").required("a", PropertySpec.any()).optional("a", PropertySpec.any()))
                .hasMessage("t.a is declared twice");
    }

    private List<String> messages(Event e) {
        return builtIn.validate(e).stream().map(Violation::toString).toList();
    }

    private static Event event(String type) {
        return Event.of("u1", type).at(T);
    }
}
