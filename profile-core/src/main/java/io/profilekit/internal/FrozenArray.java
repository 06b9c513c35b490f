package io.profilekit.internal;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * An immutable list over an array its creator hands over and never touches again: lets the
 * operations build a new state with one array copy instead of two. Not part of the API.
 *
 * @param <T> element type
 */
public final class FrozenArray<T> extends AbstractList<T> implements RandomAccess {
    private final Object[] items;
    private final int size;

    private FrozenArray(Object[] items, int size) {
        this.items = items;
        this.size = size;
    }

    /** Wraps the first {@code size} items of an array the caller gives up. */
    public static <T> List<T> adopt(Object[] items, int size) {
        return new FrozenArray<>(items, size);
    }

    /** The list itself when it is a FrozenArray, else an immutable copy. */
    public static <T> List<T> copyOf(List<T> list) {
        if (list instanceof FrozenArray<T>) {
            return list;
        }
        Object[] a = list.toArray();
        for (Object o : a) {
            if (o == null) {
                throw new NullPointerException("list element");
            }
        }
        return new FrozenArray<>(a, a.length);
    }

    @Override
    @SuppressWarnings("unchecked")
    public T get(int index) {
        if (index >= size) {
            throw new IndexOutOfBoundsException(index);
        }
        return (T) items[index];
    }

    @Override
    public int size() {
        return size;
    }
}
