package io.profilekit.internal;

/**
 * Stable 64-bit hashes, the same on every JVM and every run (unlike {@code String.hashCode()} they
 * are wide enough to stand in for an event id). Not part of the API.
 */
public final class Hashing {
    private Hashing() {
    }

    /** A 64-bit hash of a string's UTF-16 code units: FNV-1a with a strong final mix. */
    public static long hash64(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0, n = s.length(); i < n; i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return mix(h ^ s.length());
    }

    /** The murmur3 64-bit finalizer. */
    public static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
