package io.profilekit;

import io.profilekit.internal.Hashing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns an event into a {@link Delta}: the attribute operations it makes on its user's profile.
 * Rules are declared per event type; each rule is plain Java, so custom logic needs no special hook.
 *
 * <pre>{@code
 * ProfileReducer reducer = ProfileReducer.builder()
 *     .on("page_view", (e, p) -> p.increment("page_views")
 *         .set("last_url", e.string("url"))
 *         .recent("recent_pages", e.string("url"), 10))
 *     .on("purchase", (e, p) -> p.increment("purchases")
 *         .add("lifetime_value", e.decimal("amount"))
 *         .setOnce("first_purchase_at", e.timestamp())
 *         .recent("recent_orders", e.string("order_id"), 10)
 *         .topN("favorite_categories", e.string("category"), 5))
 *     .onEvery((e, p) -> p.set("last_seen", e.timestamp())
 *         .decay("engagement", 1.0, Duration.ofDays(7)))
 *     .build();
 * }</pre>
 *
 * <p>A reducer never touches a store; it is a pure function of the event. Immutable and
 * thread-safe once built (its rules must be too, which lambdas over events are).
 */
public final class ProfileReducer {

    /** One rule: the operations an event makes, declared on the event's {@link DeltaBuilder}. */
    @FunctionalInterface
    public interface Rule {
        /**
         * Declares the operations for one event. May throw {@link IllegalArgumentException} for an
         * event it cannot handle; the event is then rejected with that message.
         */
        void apply(Event event, DeltaBuilder profile);
    }

    private final Map<String, Rule[]> byType;
    private final Rule[] every;
    private final Rule[] otherwise;
    private final Rule[] session;
    private final Map<String, Duration> ttls;
    private final LatePolicy latePolicy;
    private final Map<String, LatePolicy> attributeLatePolicies;
    private final Set<String> critical;

    private ProfileReducer(Builder b) {
        Map<String, Rule[]> m = new HashMap<>();
        b.byType.forEach((type, rules) -> m.put(type, rules.toArray(new Rule[0])));
        this.byType = m;
        this.every = b.every.toArray(new Rule[0]);
        this.otherwise = b.otherwise.toArray(new Rule[0]);
        this.session = b.session.toArray(new Rule[0]);
        this.ttls = Map.copyOf(b.ttls);
        this.latePolicy = b.latePolicy;
        this.attributeLatePolicies = Map.copyOf(b.attributeLatePolicies);
        this.critical = Set.copyOf(b.critical);
    }

    /** A builder with no rules. Not thread-safe. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The delta of one event: the rules for its type, or the {@code otherwise} rules when it has
     * none, then the rules for every event.
     *
     * @throws IllegalArgumentException when a rule finds the event unusable
     */
    public Delta reduce(Event event) {
        return reduce(event, Hashing.hash64(event.eventId()));
    }

    /** {@link #reduce(Event)} with the event id's hash ({@code Hashing.hash64}) already known. */
    Delta reduce(Event event, long idHash) {
        DeltaBuilder p = new DeltaBuilder(eventTime(event), idHash);
        Rule[] rules = byType.get(event.type());
        for (Rule r : rules != null ? rules : otherwise) {
            r.apply(event, p);
        }
        for (Rule r : every) {
            r.apply(event, p);
        }
        return p.build();
    }

    /**
     * The delta of one event on its user's live session aggregates (see
     * {@link Builder#session(Rule)}); empty when the reducer declares none.
     */
    public Delta reduceSession(Event event) {
        if (session.length == 0) {
            return Delta.empty();
        }
        DeltaBuilder p = new DeltaBuilder(eventTime(event), Hashing.hash64(event.eventId()));
        for (Rule r : session) {
            r.apply(event, p);
        }
        return p.build();
    }

    /** The event time in epoch milliseconds, which every operation carries. */
    private static long eventTime(Event event) {
        try {
            return event.timestamp().toEpochMilli();
        } catch (ArithmeticException outOfRange) {
            throw new IllegalArgumentException("timestamp " + event.timestamp()
                    + " is outside the range of epoch milliseconds", outOfRange);
        }
    }

    /** The attributes' time to live after their last update, by attribute name. */
    public Map<String, Duration> ttls() {
        return ttls;
    }

    /** The policy for late events, for attributes without a policy of their own. */
    public LatePolicy latePolicy() {
        return latePolicy;
    }

    /** The late-event policy of one attribute. */
    public LatePolicy latePolicy(String attribute) {
        return attributeLatePolicies.getOrDefault(attribute, latePolicy);
    }

    /** Whether any attribute overrides the reducer's late-event policy. */
    public boolean hasAttributeLatePolicies() {
        return !attributeLatePolicies.isEmpty();
    }

    /** The attributes applied on the caller's {@code record} even when the engine has a flush window. */
    public Set<String> criticalAttributes() {
        return critical;
    }

    /** Builds a {@link ProfileReducer}. Mutable and not thread-safe. */
    public static final class Builder {
        private final Map<String, List<Rule>> byType = new HashMap<>();
        private final List<Rule> every = new ArrayList<>();
        private final List<Rule> otherwise = new ArrayList<>();
        private final List<Rule> session = new ArrayList<>();
        private final Map<String, Duration> ttls = new HashMap<>();
        private LatePolicy latePolicy = LatePolicy.APPLY;
        private final Map<String, LatePolicy> attributeLatePolicies = new HashMap<>();
        private final Set<String> critical = new HashSet<>();

        private Builder() {
        }

        /**
         * Adds a rule for the user's live session aggregates: operations declared here go to the
         * session while it is live ({@code engine.session(userId)}) and are committed to the profile
         * under {@code last_session.<name>} when the session ends.
         */
        public Builder session(Rule rule) {
            session.add(Objects.requireNonNull(rule, "rule"));
            return this;
        }

        /**
         * Expires an attribute {@code ttl} after its last update (by event time): reads never return
         * it afterwards, and the next write of the profile removes it.
         */
        public Builder ttl(String attribute, Duration ttl) {
            Objects.requireNonNull(attribute, "attribute");
            if (ttl.isNegative() || ttl.isZero()) {
                throw new IllegalArgumentException("ttl of " + attribute + " must be positive, got " + ttl);
            }
            ttls.put(attribute, ttl);
            return this;
        }

        /** The policy for late events (default {@link LatePolicy#APPLY}). */
        public Builder latePolicy(LatePolicy policy) {
            this.latePolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** The policy for late events on one attribute, overriding the reducer's. */
        public Builder latePolicy(String attribute, LatePolicy policy) {
            attributeLatePolicies.put(Objects.requireNonNull(attribute, "attribute"),
                    Objects.requireNonNull(policy, "policy"));
            return this;
        }

        /**
         * Declares attributes critical: with a flush window on the engine, they are still applied on
         * the caller's {@code record} (read-your-writes), while the others may be coalesced.
         */
        public Builder critical(String... attributes) {
            for (String a : attributes) {
                critical.add(Objects.requireNonNull(a, "attribute"));
            }
            return this;
        }

        /** Adds a rule for events of the given type (several rules for one type run in order). */
        public Builder on(String type, Rule rule) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(rule, "rule");
            byType.computeIfAbsent(type, t -> new ArrayList<>()).add(rule);
            return this;
        }

        /** Adds a rule that runs for every event, after the rules of its type. */
        public Builder onEvery(Rule rule) {
            every.add(Objects.requireNonNull(rule, "rule"));
            return this;
        }

        /** Adds a rule for events whose type has no {@link #on} rule (custom events, say). */
        public Builder otherwise(Rule rule) {
            otherwise.add(Objects.requireNonNull(rule, "rule"));
            return this;
        }

        public ProfileReducer build() {
            return new ProfileReducer(this);
        }
    }
}
