package io.profilekit.op;

import io.profilekit.internal.FrozenArray;
import io.profilekit.internal.ValueOrder;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

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
        return new CappedSet(capacity, FrozenArray.adopt(new Object[] {new Member(value, time)}, 1));
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

    /**
     * Adds one-value deltas of the same capacity to a mutable copy of the members, exactly as
     * {@link #merge} does; starts only from members in the order a merge leaves them (sorted,
     * distinct, within the capacity), and leaves any other delta to the immutable merge. A result
     * hands the array over when it is exactly full, and the next change copies it. Not thread-safe.
     */
    static final class Folder extends Accumulator {
        private final int capacity;
        private final CappedRun<Member> members;
        private CappedSet frozen;

        private Folder(CappedSet start) {
            capacity = start.capacity;
            // exactly long enough: a value seen again (the usual case) does not add one
            members = new CappedRun<>(start.members, capacity, start.members.size());
            frozen = start;
        }

        /** A folder of {@code start}, or null when its members are not as a merge leaves them. */
        static Folder of(CappedSet start) {
            List<Member> m = start.members;
            if (m.size() > start.capacity) {
                return null;
            }
            for (int i = 1; i < m.size(); i++) {
                if (ORDER.compare(m.get(i - 1), m.get(i)) >= 0) {
                    return null;
                }
            }
            Set<Object> values = new HashSet<>(m.size() * 2);
            for (Member member : m) {
                if (!values.add(member.value)) {
                    return null;
                }
            }
            return new Folder(start);
        }

        @Override
        public boolean add(Operation op) {
            if (!(op instanceof CappedSet o) || o.capacity != capacity || o.members.size() != 1) {
                return false;
            }
            Member m = o.members.get(0);
            int size = members.size();
            int found = -1;
            for (int i = 0; i < size; i++) {
                if (members.get(i).value.equals(m.value)) {
                    found = i;
                    break;
                }
            }
            if (found >= 0 && members.get(found).lastSeen >= m.lastSeen) {
                return true;
            }
            if (found < 0 && size == capacity && ORDER.compare(m, members.get(size - 1)) > 0) {
                return true; // a new value seen before all kept ones, in a full set: not kept
            }
            int length = found >= 0 ? size : Math.min(capacity, size + 1);
            members.makeRoom(length);
            if (found >= 0) {
                m = new Member(members.get(found).value, m.lastSeen);
                members.remove(found);
            }
            members.insert(members.firstNotBefore(m, ORDER), m, length);
            frozen = null;
            return true;
        }

        @Override
        public Operation result() {
            if (frozen == null) {
                frozen = new CappedSet(capacity, members.freeze());
            }
            return frozen;
        }
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
