package io.profilekit;

import io.profilekit.internal.JsonValues;
import io.profilekit.op.Operation;
import io.profilekit.spi.ProfileState;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A user's profile as read at one instant: attribute values with typed getters, each attribute's
 * last update (event time), the newest event time and the stored version. Immutable and thread-safe.
 *
 * <p>Values are computed at {@link #asOf()}: decaying scores and windowed counts depend on it.
 * Getters return {@code Optional.empty()} for an attribute the profile does not have, and throw
 * {@link IllegalStateException} naming the attribute when it holds another type.
 */
public final class Profile {
    private final String userId;
    private final long version;
    private final Instant asOf;
    private final long lastEventTime;
    private final Map<String, Object> values;
    private final Map<String, Long> updatedAt;
    private final Freshness freshness;

    private Profile(String userId, long version, Instant asOf, long lastEventTime, Map<String, Object> values,
                    Map<String, Long> updatedAt, Freshness freshness) {
        this.userId = userId;
        this.version = version;
        this.asOf = asOf;
        this.lastEventTime = lastEventTime;
        this.values = values;
        this.updatedAt = updatedAt;
        this.freshness = freshness;
    }

    /**
     * How fresh a profile is: whether it came from the store ({@code stale} false) or from the
     * engine's last-known-good copy because the store failed, and how old that copy is.
     *
     * @param stale true when the store could not be read and this is a copy read earlier
     * @param age   how long ago the copy was read from the store; zero when not stale
     */
    public record Freshness(boolean stale, Duration age) {
        public static final Freshness FRESH = new Freshness(false, Duration.ZERO);

        public Freshness {
            Objects.requireNonNull(age, "age");
        }
    }

    /** The read view of a stored state at {@code now}, with every attribute. */
    public static Profile of(ProfileState state, Instant now) {
        return of(state, now, Map.of(), Freshness.FRESH);
    }

    /**
     * The read view of a stored state at {@code now}, leaving out attributes whose time to live
     * (by name in {@code ttls}) has passed since their last update.
     */
    public static Profile of(ProfileState state, Instant now, Map<String, Duration> ttls, Freshness freshness) {
        long nowMillis = now.toEpochMilli();
        Map<String, Object> values = new TreeMap<>();
        Map<String, Long> updated = new TreeMap<>();
        state.attributes().forEach((name, op) -> {
            Duration ttl = ttls.isEmpty() ? null : ttls.get(name);
            if (ttl != null && expired(op.updatedAt(), ttl, nowMillis)) {
                return;
            }
            Object v = op.read(nowMillis);
            if (v != null) {
                values.put(name, v);
                updated.put(name, op.updatedAt());
            }
        });
        return new Profile(state.userId(), state.version(), now, state.lastEventTime(),
                Collections.unmodifiableMap(values), Collections.unmodifiableMap(updated), freshness);
    }

    /** Whether something last updated at {@code updatedAt} has outlived {@code ttl} at {@code nowMillis}. */
    public static boolean expired(long updatedAt, Duration ttl, long nowMillis) {
        long ttlMillis = ttl.getSeconds() >= Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : ttl.toMillis();
        long end = updatedAt + ttlMillis;
        return end >= updatedAt && end <= nowMillis; // past the long range (it wrapped): never
    }

    /** Whether the profile is fresh from the store or a stale fallback copy, and its age. */
    public Freshness freshness() {
        return freshness;
    }

    public String userId() {
        return userId;
    }

    /** The stored version: how many writes made this profile. */
    public long version() {
        return version;
    }

    /** The instant the values were computed at. */
    public Instant asOf() {
        return asOf;
    }

    /** The newest event time applied to the profile. */
    public Optional<Instant> lastEventTime() {
        return lastEventTime == ProfileState.NONE ? Optional.empty() : Optional.of(Instant.ofEpochMilli(lastEventTime));
    }

    /** Every attribute with a value, by name in alphabetical order. */
    public Map<String, Object> attributes() {
        return values;
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** The event time of the newest event that changed the attribute. */
    public Optional<Instant> lastUpdated(String name) {
        Long t = updatedAt.get(name);
        return t == null ? Optional.empty() : Optional.of(Instant.ofEpochMilli(t));
    }

    public Optional<Object> get(String name) {
        return Optional.ofNullable(values.get(name));
    }

    /** A counter, or an integral value (also a decimal or double such as {@code 3.0}), as a long. */
    public Optional<Long> getLong(String name) {
        Object v = values.get(name);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Long l) {
            return Optional.of(l);
        }
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 0x1p63) {
            return Optional.of(d.longValue());
        }
        if (v instanceof BigDecimal bd) {
            try {
                return Optional.of(bd.longValueExact());
            } catch (ArithmeticException e) {
                throw wrongType(name, "an integer", v);
            }
        }
        throw wrongType(name, "an integer", v);
    }

    /** Any number (an exact sum, a counter, a max) as an exact decimal. */
    public Optional<BigDecimal> getDecimal(String name) {
        Object v = values.get(name);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof BigDecimal bd) {
            return Optional.of(bd);
        }
        if (v instanceof Long l) {
            return Optional.of(BigDecimal.valueOf(l));
        }
        if (v instanceof Double d) {
            return Optional.of(BigDecimal.valueOf(d));
        }
        throw wrongType(name, "a number", v);
    }

    /** Any number as a double (decaying scores are doubles). */
    public Optional<Double> getDouble(String name) {
        Object v = values.get(name);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Number n) {
            return Optional.of(n.doubleValue());
        }
        throw wrongType(name, "a number", v);
    }

    public Optional<String> getString(String name) {
        Object v = values.get(name);
        if (v == null || v instanceof String) {
            return Optional.ofNullable((String) v);
        }
        throw wrongType(name, "a string", v);
    }

    public Optional<Boolean> getBoolean(String name) {
        Object v = values.get(name);
        if (v == null || v instanceof Boolean) {
            return Optional.ofNullable((Boolean) v);
        }
        throw wrongType(name, "a boolean", v);
    }

    /** A timestamp attribute, such as one set from {@code event.timestamp()}. */
    public Optional<Instant> getInstant(String name) {
        Object v = values.get(name);
        if (v == null || v instanceof Instant) {
            return Optional.ofNullable((Instant) v);
        }
        throw wrongType(name, "a timestamp", v);
    }

    /** A list attribute ({@code recent}, {@code setAdd}, {@code topN}); empty when absent. */
    @SuppressWarnings("unchecked")
    public List<Object> getList(String name) {
        Object v = values.get(name);
        if (v == null) {
            return List.of();
        }
        if (v instanceof List) {
            return (List<Object>) v;
        }
        throw wrongType(name, "a list", v);
    }

    private IllegalStateException wrongType(String name, String expected, Object got) {
        return new IllegalStateException("profile " + userId + ", attribute " + name + ": expected " + expected
                + ", holds " + JsonValues.typeName(got) + " " + JsonValues.describe(got));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Profile p && p.userId.equals(userId) && p.version == version && p.asOf.equals(asOf)
                && p.lastEventTime == lastEventTime && p.values.equals(values) && p.updatedAt.equals(updatedAt)
                && p.freshness.equals(freshness);
    }

    @Override
    public int hashCode() {
        return Objects.hash(userId, version, values);
    }

    @Override
    public String toString() {
        return "Profile[" + userId + " v" + version + (freshness.stale() ? " stale " + freshness.age() : "") + " "
                + values + "]";
    }
}
