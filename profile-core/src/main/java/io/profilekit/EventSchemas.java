package io.profilekit;

import io.profilekit.internal.JsonValues;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A registry of {@link EventSchema}s by event type: validates an event against the schema of its
 * type. Immutable and thread-safe; its {@link Builder} is not thread-safe.
 *
 * <p>{@link #builtIn()} knows {@code page_view}, {@code click}, {@code purchase} and
 * {@code form_submit}. Add your own types, or replace a built-in one, from it:
 * <pre>{@code
 * EventSchemas schemas = EventSchemas.builtIn().toBuilder()
 *         .register(EventSchema.builder("search").required("query", PropertySpec.string().maxLength(512)).build())
 *         .build();
 * }</pre>
 * An event of a type without a schema is rejected unless {@link Builder#allowUnknownTypes} says otherwise.
 */
public final class EventSchemas {
    private static final EventSchemas BUILT_IN = builder()
            .register(EventSchema.builder("page_view")
                    .required("url", PropertySpec.string())
                    .optional("referrer", PropertySpec.string())
                    .optional("title", PropertySpec.string())
                    .build())
            .register(EventSchema.builder("click")
                    .required("element", PropertySpec.string())
                    .optional("url", PropertySpec.string())
                    .build())
            .register(EventSchema.builder("purchase")
                    .required("order_id", PropertySpec.string())
                    .required("amount", PropertySpec.number().min(0))
                    .required("currency", PropertySpec.string().pattern("[A-Z]{3}"))
                    .optional("category", PropertySpec.string())
                    .optional("items", PropertySpec.list())
                    .build())
            .register(EventSchema.builder("form_submit")
                    .required("form_id", PropertySpec.string())
                    .optional("fields", PropertySpec.object())
                    .build())
            .build();

    private final Map<String, EventSchema> schemas;
    private final boolean allowUnknownTypes;

    private EventSchemas(Map<String, EventSchema> schemas, boolean allowUnknownTypes) {
        this.schemas = Map.copyOf(schemas);
        this.allowUnknownTypes = allowUnknownTypes;
    }

    /** The schemas of {@code page_view}, {@code click}, {@code purchase} and {@code form_submit}; unknown types rejected. */
    public static EventSchemas builtIn() {
        return BUILT_IN;
    }

    /** Starts an empty registry. */
    public static Builder builder() {
        return new Builder(new HashMap<>(), false);
    }

    /** A builder holding these schemas and settings, to add or replace some. */
    public Builder toBuilder() {
        return new Builder(new HashMap<>(schemas), allowUnknownTypes);
    }

    /** The schema of the given event type, if one is registered. */
    public Optional<EventSchema> schema(String type) {
        return Optional.ofNullable(schemas.get(type));
    }

    /** Every registered type. */
    public Set<String> types() {
        return schemas.keySet();
    }

    /** Whether events of a type without a schema pass. */
    public boolean allowsUnknownTypes() {
        return allowUnknownTypes;
    }

    /** Every problem of the event against the schema of its type; empty when it is valid. */
    public List<Violation> validate(Event event) {
        if (check(event, null)) {
            return List.of();
        }
        List<Violation> out = new ArrayList<>();
        check(event, out);
        return out;
    }

    /** Checks an event, following the convention of {@link io.profilekit.internal.EventChecks}. */
    boolean check(Event event, List<Violation> out) {
        EventSchema schema = schemas.get(event.type());
        if (schema != null) {
            return schema.check(event, out);
        }
        if (allowUnknownTypes) {
            return true;
        }
        if (out != null) {
            out.add(new Violation("type", "unknown event type " + JsonValues.describe(event.type())
                    + " (register a schema or allow unknown types)"));
        }
        return false;
    }

    @Override
    public String toString() {
        return "EventSchemas" + schemas.keySet() + (allowUnknownTypes ? " (unknown types allowed)" : "");
    }

    /** Collects schemas; not thread-safe. {@link #build()} copies, so it can be reused. */
    public static final class Builder {
        private final Map<String, EventSchema> schemas;
        private boolean allowUnknownTypes;

        private Builder(Map<String, EventSchema> schemas, boolean allowUnknownTypes) {
            this.schemas = schemas;
            this.allowUnknownTypes = allowUnknownTypes;
        }

        /** Adds a schema, replacing any schema of the same type. */
        public Builder register(EventSchema schema) {
            Objects.requireNonNull(schema, "schema");
            schemas.put(schema.type(), schema);
            return this;
        }

        /** Whether events of a type without a schema pass (they are rejected unless told otherwise). */
        public Builder allowUnknownTypes(boolean allowed) {
            this.allowUnknownTypes = allowed;
            return this;
        }

        /** The registry as built so far. */
        public EventSchemas build() {
            return new EventSchemas(schemas, allowUnknownTypes);
        }
    }
}
