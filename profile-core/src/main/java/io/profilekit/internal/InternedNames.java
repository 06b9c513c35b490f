package io.profilekit.internal;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One shared copy of each sorted attribute-name array: profiles with the same attributes (most
 * profiles of an application) then hold one names array between them instead of one each, which
 * saves memory and keeps the array in the CPU cache while a batch goes over many users. Bounded:
 * past {@value #MAX} distinct name sets, arrays are left as they are. The arrays handed out are
 * shared and must never be written. Thread-safe. Not part of the API.
 */
final class InternedNames {
    static final int MAX = 4096;
    private static final ConcurrentHashMap<Key, String[]> CANONICAL = new ConcurrentHashMap<>();

    private InternedNames() {
    }

    /** The first {@code size} names of an array, compared by content. */
    private static final class Key {
        private final String[] names;
        private final int size;
        private final int hash;

        Key(String[] names, int size) {
            this.names = names;
            this.size = size;
            int h = size;
            for (int i = 0; i < size; i++) {
                h = 31 * h + names[i].hashCode();
            }
            this.hash = h;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && Arrays.equals(k.names, 0, k.size, names, 0, size);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /**
     * The shared array holding the first {@code size} of {@code names} (exactly that long), or
     * {@code names} itself when the bound is reached; the caller gives {@code names} up either way.
     */
    static String[] intern(String[] names, int size) {
        Key key = new Key(names, size);
        String[] shared = CANONICAL.get(key);
        if (shared != null) {
            return shared;
        }
        if (CANONICAL.size() >= MAX) {
            return names;
        }
        String[] exact = names.length == size ? names : Arrays.copyOf(names, size);
        shared = CANONICAL.putIfAbsent(new Key(exact, size), exact);
        return shared != null ? shared : exact;
    }

    /** How many name sets are shared now (for tests). */
    static int size() {
        return CANONICAL.size();
    }
}
