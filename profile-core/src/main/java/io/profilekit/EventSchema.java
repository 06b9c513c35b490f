package io.profilekit;

import io.profilekit.internal.JsonValues;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The properties one event type must and may have, and the spec of each; validates events of that
 * type and reports every problem. Immutable and thread-safe; its {@link Builder} is not thread-safe.
 * <pre>{@code
 * EventSchema purchase = EventSchema.builder("purchase")
 *         .required("order_id", PropertySpec.string())
 *         .required("amount", PropertySpec.number().min(0))
 *         .optional("coupon", PropertySpec.string().maxLength(32))
 *         .additionalProperties(false)
 *         .build();
 * }</pre>
 *
 * <p>A property whose value is {@code null} counts as absent when it is optional; a required one
 * must be there and match its spec ({@code null} matches only {@link PropertySpec#any()}).
 */
public final class EventSchema {
    private final String type;
    private final String[] names;
    private final String[] fields;
    private final PropertySpec[] specs;
    private final boolean[] required;
    private final Map<String, PropertySpec> declared;
    private final boolean additionalProperties;

    private EventSchema(Builder b) {
        this.type = b.type;
        int n = b.specs.size();
        this.names = b.specs.keySet().toArray(new String[0]);
        this.fields = new String[n];
        this.specs = new PropertySpec[n];
        this.required = new boolean[n];
        for (int i = 0; i < n; i++) {
            fields[i] = type + "." + names[i];
            specs[i] = b.specs.get(names[i]);
            required[i] = b.required.contains(names[i]);
        }
        this.declared = Collections.unmodifiableMap(new LinkedHashMap<>(b.specs));
        this.additionalProperties = b.additionalProperties;
    }

    /** Starts a schema for events of the given type. */
    public static Builder builder(String type) {
        return new Builder(type);
    }

    /** The event type this schema validates. */
    public String type() {
        return type;
    }

    /** Every declared property and its spec, required ones and optional ones, in declaration order. */
    public Map<String, PropertySpec> properties() {
        return declared;
    }

    /** Whether the property must be there. */
    public boolean isRequired(String property) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(property)) {
                return required[i];
            }
        }
        return false;
    }

    /** Whether properties the schema does not declare are allowed. */
    public boolean additionalProperties() {
        return additionalProperties;
    }

    /**
     * Every problem of the event against this schema, each naming the field as {@code type.property}
     * and the offending value; empty when the event is valid.
     */
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
        boolean ok = true;
        if (!type.equals(event.type())) {
            if (out == null) {
                return false;
            }
            out.add(new Violation("type", "expected \"" + type + "\" for this schema, got "
                    + JsonValues.describe(event.type())));
            ok = false;
        }
        Map<String, Object> props = event.properties();
        int present = 0;
        for (int i = 0; i < names.length; i++) {
            Object value = props.get(names[i]);
            boolean fine;
            if (value != null) {
                present++;
                fine = specs[i].check(fields[i], value, out);
            } else if (props.containsKey(names[i])) {
                present++;
                fine = !required[i] || specs[i].check(fields[i], null, out);
            } else {
                fine = !required[i];
                if (!fine && out != null) {
                    out.add(new Violation(fields[i], "required property is missing"));
                }
            }
            if (!fine) {
                if (out == null) {
                    return false;
                }
                ok = false;
            }
        }
        if (!additionalProperties && props.size() > present) {
            if (out == null) {
                return false;
            }
            for (String name : props.keySet()) {
                if (!declared.containsKey(name)) {
                    out.add(new Violation(type + "." + name, "unknown property (the schema allows no others)"));
                }
            }
            ok = false;
        }
        return ok;
    }

    @Override
    public String toString() {
        return "EventSchema[" + type + ", " + declared + (additionalProperties ? "" : ", no additional properties")
                + "]";
    }

    /** Collects the properties of a schema; not thread-safe. {@link #build()} copies, so it can be reused. */
    public static final class Builder {
        private final String type;
        private final LinkedHashMap<String, PropertySpec> specs = new LinkedHashMap<>();
        private final List<String> required = new ArrayList<>();
        private boolean additionalProperties = true;

        private Builder(String type) {
            Objects.requireNonNull(type, "type");
            if (type.isBlank()) {
                throw new IllegalArgumentException("an event type must not be blank");
            }
            this.type = type;
        }

        /** Declares a property that every event of the type must have. */
        public Builder required(String name, PropertySpec spec) {
            declare(name, spec);
            required.add(name);
            return this;
        }

        /** Declares a property that events of the type may have. */
        public Builder optional(String name, PropertySpec spec) {
            declare(name, spec);
            return this;
        }

        /** Whether properties not declared here are allowed; {@code true} unless told otherwise. */
        public Builder additionalProperties(boolean allowed) {
            this.additionalProperties = allowed;
            return this;
        }

        /** The schema as declared so far. */
        public EventSchema build() {
            return new EventSchema(this);
        }

        private void declare(String name, PropertySpec spec) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(spec, "spec");
            if (specs.containsKey(name)) {
                throw new IllegalArgumentException(type + "." + name + " is declared twice");
            }
            specs.put(name, spec);
        }
    }
}
