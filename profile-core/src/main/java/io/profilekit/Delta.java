package io.profilekit;

import io.profilekit.op.Operation;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What one event (or a run of coalesced events) changes in a profile: one {@link Operation} per
 * attribute. Immutable and thread-safe.
 *
 * <p>Deltas coalesce: {@code a.merge(b)} applied to a profile equals applying {@code a} then
 * {@code b}, so a burst of events for one user costs one store write.
 */
public final class Delta {
    private static final Delta EMPTY = new Delta(new String[0], new Operation[0], 0);

    private final String[] names;
    private final Operation[] operations;
    private final int size;

    Delta(String[] names, Operation[] operations, int size) {
        this.names = names;
        this.operations = operations;
        this.size = size;
    }

    /** The delta that changes nothing. */
    public static Delta empty() {
        return EMPTY;
    }

    /** A delta of the given operations, by attribute name. */
    public static Delta of(Map<String, ? extends Operation> operations) {
        String[] n = new String[operations.size()];
        Operation[] o = new Operation[operations.size()];
        int i = 0;
        for (Map.Entry<String, ? extends Operation> e : operations.entrySet()) {
            n[i] = Objects.requireNonNull(e.getKey(), "attribute name");
            o[i++] = Objects.requireNonNull(e.getValue(), "operation");
        }
        return new Delta(n, o, i);
    }

    /** How many attributes the delta touches. */
    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The attribute name at position {@code i} (0 &lt;= i &lt; size()), in the order they were added. */
    public String name(int i) {
        Objects.checkIndex(i, size);
        return names[i];
    }

    /** The operation at position {@code i}. */
    public Operation operation(int i) {
        Objects.checkIndex(i, size);
        return operations[i];
    }

    /** The operations by attribute name, in the order they were added. */
    public Map<String, Operation> operations() {
        Map<String, Operation> m = new LinkedHashMap<>(size * 2);
        for (int i = 0; i < size; i++) {
            m.put(names[i], operations[i]);
        }
        return Collections.unmodifiableMap(m);
    }

    /** Coalesces two deltas: applying the result equals applying this one, then {@code other}. */
    public Delta merge(Delta other) {
        if (other.size == 0) {
            return this;
        }
        if (size == 0) {
            return other;
        }
        String[] n = Arrays.copyOf(names, size + other.size);
        Operation[] o = Arrays.copyOf(operations, size + other.size);
        int k = size;
        outer:
        for (int j = 0; j < other.size; j++) {
            for (int i = 0; i < size; i++) {
                if (n[i].equals(other.names[j])) {
                    o[i] = o[i].merge(other.operations[j]);
                    continue outer;
                }
            }
            n[k] = other.names[j];
            o[k++] = other.operations[j];
        }
        return new Delta(n, o, k);
    }

    /** The part of this delta whose attribute names pass {@code keep}. */
    public Delta retain(java.util.function.Predicate<String> keep) {
        String[] n = new String[size];
        Operation[] o = new Operation[size];
        int k = 0;
        for (int i = 0; i < size; i++) {
            if (keep.test(names[i])) {
                n[k] = names[i];
                o[k++] = operations[i];
            }
        }
        return k == size ? this : k == 0 ? EMPTY : new Delta(n, o, k);
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof Delta d && d.operations().equals(operations());
    }

    @Override
    public int hashCode() {
        return operations().hashCode();
    }

    @Override
    public String toString() {
        return "Delta" + operations();
    }
}
