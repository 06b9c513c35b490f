package io.profilekit.op;

import io.profilekit.internal.FrozenArray;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The items of a capped, ordered list operation while an {@link Accumulator} folds into it: edited
 * in place, frozen into immutable lists that share its array when it is exactly full, and copied
 * before the next edit of an array so shared. Not thread-safe.
 *
 * @param <T> item type
 */
final class CappedRun<T> {
    private final int capacity;
    private Object[] items;
    private int size;
    /** Whether {@link #items} backs the last frozen list: copied before the next edit. */
    private boolean shared;

    /** A run of {@code start}'s items in an array with room for {@code room} (at least its size). */
    CappedRun(List<T> start, int capacity, int room) {
        this.capacity = capacity;
        this.size = start.size();
        this.items = start.toArray(new Object[Math.max(room, size)]);
    }

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    T get(int i) {
        return (T) items[i];
    }

    /** The index of the first item that {@code order} does not put before {@code item}. */
    int firstNotBefore(T item, Comparator<? super T> order) {
        int at = 0;
        while (at < size && order.compare(get(at), item) < 0) {
            at++;
        }
        return at;
    }

    /**
     * Makes the array writable for {@code length} items: a copy when it backs a frozen list
     * (exactly as long as needed), else a larger one when it is too short (doubling, up to the
     * capacity).
     */
    void makeRoom(int length) {
        if (shared) {
            items = Arrays.copyOf(items, Math.max(length, size));
            shared = false;
        } else if (length > items.length) {
            items = Arrays.copyOf(items, Math.max(length, Math.min(capacity, items.length * 2 + 1)));
        }
    }

    /** Removes the item at {@code i}; {@link #makeRoom} first. */
    void remove(int i) {
        System.arraycopy(items, i + 1, items, i, size - i - 1);
        size--;
    }

    /**
     * Puts {@code item} at {@code at} if that is within the first {@code length} places, shifting
     * the ones after it (the last falls off when the run is full); the run then holds
     * {@code length} items. {@link #makeRoom} first.
     */
    void insert(int at, T item, int length) {
        if (at < length) {
            System.arraycopy(items, at, items, at + 1, length - 1 - at);
            items[at] = item;
        }
        size = length;
    }

    /** The items as an immutable list; the array is shared when exactly full, else copied. */
    List<T> freeze() {
        Object[] out = items;
        if (size == items.length) {
            shared = true;
        } else {
            out = Arrays.copyOf(items, size);
        }
        return FrozenArray.adopt(out, size);
    }
}
