package io.profilekit.op;

import io.profilekit.internal.FrozenArray;
import io.profilekit.internal.ValueOrder;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code setAdd}: a set of distinct values, bounded: past {@code capacity} it keeps the values seen
 * most recently by event time (ties broken by value), so the result does not depend on arrival order.
 *
 * @param capacity the bound, at least 1
 * @param members  most recently seen first
 */
public record CappedSet(int capacity, List<Member> members) implements Operation {

    /** A value and the newest event time it was added at. */
    public record Member(Object value, long lastSeen) {
    }

    static final Comparator<Member> ORDER = (a, b) -> {
        int c = Long.compare(b.lastSeen, a.lastSeen);
        return c != 0 ? c : ValueOrder.INSTANCE.compare(a.value, b.value);
    };

    public CappedSet {
        if (capacity < 1) {
            throw new IllegalArgumentException("setAdd capacity must be at least 1, got " + capacity);
        }
        members = FrozenArray.copyOf(Objects.requireNonNull(members, "members"));
    }

    /** A delta adding one value. */
    public static CappedSet of(Object value, long time, int capacity) {
        return new CappedSet(capacity, List.of(new Member(value, time)));
    }

    @Override
    public long updatedAt() {
        return members.isEmpty() ? Long.MIN_VALUE : members.get(0).lastSeen;
    }

    @Override
    public Operation merge(Operation other) {
        if (!(other instanceof CappedSet o)) {
            return Operation.newerOf(this, other);
        }
        int cap = updatedAt() != o.updatedAt() ? (updatedAt() > o.updatedAt() ? capacity : o.capacity)
                : Math.max(capacity, o.capacity);
        Map<Object, Long> seen = new HashMap<>((members.size() + o.members.size()) * 2);
        for (Member m : members) {
            seen.merge(m.value, m.lastSeen, Math::max);
        }
        for (Member m : o.members) {
            seen.merge(m.value, m.lastSeen, Math::max);
        }
        List<Member> merged = new ArrayList<>(seen.size());
        seen.forEach((v, t) -> merged.add(new Member(v, t)));
        merged.sort(ORDER);
        return new CappedSet(cap, merged.size() > cap ? merged.subList(0, cap) : merged);
    }

    @Override
    public Object read(long nowMillis) {
        List<Object> values = new ArrayList<>(members.size());
        for (Member m : members) {
            values.add(m.value);
        }
        return List.copyOf(values);
    }

    @Override
    public String kind() {
        return "setAdd";
    }
}
