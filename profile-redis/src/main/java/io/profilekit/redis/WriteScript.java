package io.profilekit.redis;

import io.profilekit.ProfileStoreException;
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileStateCodec;
import io.profilekit.spi.WriteOutcome;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The conditional write of {@link RedisProfileStore}: the Lua script, the arguments of one write,
 * how a batch is split into script calls, and what the script answers. Stateless. Not part of the API.
 */
final class WriteScript {
    /**
     * One call writes the users of {@code KEYS}, in order. ARGV holds, for each key in turn:
     * expected version, new version, state, ttl ms, layout, the number c of checked fences, the number
     * n of stored fences, then c (field, offset) pairs to check and n (field, offset) pairs to
     * store, each field {@code f:<source>}: 7 + 2 (c + n) arguments. Returns one code per key: 0 written, 1 conflict, 2 stale fence,
     * or the error Redis raised on that key (a key that is not a hash). Offsets are compared as
     * decimal strings, exactly.
     *
     * <p>Per key, one HMGET reads the version, the layout and the checked fences. The layout field
     * {@code l} names the hash's fence fields and says whether the key expires: while it stays the
     * same, the write overwrites the fields in place (one HSET, and PEXPIRE when the profile
     * expires); when it changes (a new source, a fence gone after an erase, an expiry set or dropped)
     * the hash is deleted and rebuilt, so it never keeps a field or an expiry the write did not give.
     * A write that checks and stores no fence (direct mode) or one (a Kafka partition, the usual
     * case) passes its fields to HMGET and HSET as they are, without building Lua tables or strings
     * for them: that took Redis about 20 % less time per user write than building them (measured
     * with 64 users per call and 750-byte states, 5.1 against 6.4 µs per user, median of 8).
     */
    static final String WRITE_SCRIPT = """
            local function write(key, a)
              local checks, stores = tonumber(ARGV[a + 6]), tonumber(ARGV[a + 7])
              local stored
              if checks == 0 then
                stored = redis.pcall('HMGET', key, 'v', 'l')
              elseif checks == 1 then
                stored = redis.pcall('HMGET', key, 'v', 'l', ARGV[a + 8])
              else
                local names = {'v', 'l'}
                for j = 1, checks do names[j + 2] = ARGV[a + 6 + 2 * j] end
                stored = redis.pcall('HMGET', key, unpack(names))
              end
              if stored.err then return stored end
              if (stored[1] or '0') ~= ARGV[a + 1] then return 1 end
              for j = 1, checks do
                local f, o = stored[j + 2], ARGV[a + 7 + 2 * j]
                if f then
                  local nf, no = string.byte(f, 1) == 45, string.byte(o, 1) == 45
                  if nf ~= no then
                    if no then return 2 end
                  elseif nf then
                    if #f ~= #o then
                      if #f < #o then return 2 end
                    elseif f <= o then return 2 end
                  elseif #f ~= #o then
                    if #f > #o then return 2 end
                  elseif f >= o then return 2 end
                end
              end
              if stored[1] and stored[2] ~= ARGV[a + 5] then redis.call('DEL', key) end
              if stores == 0 then
                redis.call('HSET', key, 's', ARGV[a + 3], 'v', ARGV[a + 2], 'l', ARGV[a + 5])
              elseif stores == 1 then
                local i = a + 8 + 2 * checks
                redis.call('HSET', key, 's', ARGV[a + 3], 'v', ARGV[a + 2], 'l', ARGV[a + 5], ARGV[i], ARGV[i + 1])
              else
                local fields = {'s', ARGV[a + 3], 'v', ARGV[a + 2], 'l', ARGV[a + 5]}
                local first = a + 8 + 2 * checks
                for i = first, first + 2 * stores - 2, 2 do
                  fields[#fields + 1] = ARGV[i]
                  fields[#fields + 1] = ARGV[i + 1]
                end
                redis.call('HSET', key, unpack(fields))
              end
              if ARGV[a + 4] ~= '0' then redis.call('PEXPIRE', key, ARGV[a + 4]) end
              return 0
            end
            local codes, a = {}, 0
            for k = 1, #KEYS do
              codes[k] = write(KEYS[k], a)
              a = a + 7 + 2 * (tonumber(ARGV[a + 6]) + tonumber(ARGV[a + 7]))
            end
            return codes
            """;
    static final String WRITE_SCRIPT_SHA = sha1Hex(WRITE_SCRIPT);
    static final byte[] SCRIPT = bytes(WRITE_SCRIPT);
    static final byte[] SHA = bytes(WRITE_SCRIPT_SHA);

    /**
     * The most users one script call writes. Measured on Redis 6.2 with 745-byte states: a call costs
     * Redis about 4 us of its own plus 4 to 7 us per user in it, so from 32 users on the call's own
     * cost is a few percent of the total, and 64, 128 and 256 gave the same server time per user
     * within noise. 64 keeps one call under about half a millisecond of Redis time, so other clients
     * wait little behind it.
     */
    static final int WRITES_PER_CALL = 64;

    /** The prefix of a fence field's name in the hash: {@code f:<source>}. */
    static final String FENCE_FIELD = "f:";
    private static final byte[] EXPIRING = bytes("e");
    private static final byte[] PERSISTENT = bytes("p");
    private static final byte[][] SMALL_NUMBERS = new byte[64][];

    static {
        for (int i = 0; i < SMALL_NUMBERS.length; i++) {
            SMALL_NUMBERS[i] = bytes(Integer.toString(i));
        }
    }

    private WriteScript() {
    }

    /**
     * Splits a batch's writes (given by their keys, in batch order) into script calls of at most
     * {@code perCall} writes, as lists of indexes into {@code keys}, each in batch order. With
     * {@code bySlot}, the writes are grouped by the Redis Cluster hash slot of their key first, and a
     * call holds one slot's keys only.
     */
    static List<int[]> plan(byte[][] keys, int perCall, boolean bySlot) {
        List<int[]> calls = new ArrayList<>(keys.length / perCall + 1);
        if (!bySlot) {
            for (int from = 0; from < keys.length; from += perCall) {
                int[] call = new int[Math.min(perCall, keys.length - from)];
                for (int j = 0; j < call.length; j++) {
                    call[j] = from + j;
                }
                calls.add(call);
            }
            return calls;
        }
        Map<Integer, List<Integer>> slots = new LinkedHashMap<>();
        for (int i = 0; i < keys.length; i++) {
            slots.computeIfAbsent(JedisClusterCRC16.getSlot(keys[i]), s -> new ArrayList<>()).add(i);
        }
        for (List<Integer> slot : slots.values()) {
            for (int from = 0; from < slot.size(); from += perCall) {
                calls.add(slot.subList(from, Math.min(slot.size(), from + perCall)).stream()
                        .mapToInt(Integer::intValue).toArray());
            }
        }
        return calls;
    }

    /** Appends one write's arguments to a call's ARGV, in the order {@link #WRITE_SCRIPT} reads them. */
    static void addArgs(List<byte[]> args, ProfileState state, long expectedVersion, Map<String, Long> checks,
                                long ttlMillis) {
        Map<String, Long> stores = state.fences();
        args.add(decimal(expectedVersion));
        args.add(decimal(state.version()));
        args.add(ProfileStateCodec.encode(state));
        args.add(decimal(ttlMillis));
        args.add(layout(stores, ttlMillis != 0));
        args.add(decimal(checks.size()));
        args.add(decimal(stores.size()));
        for (Map.Entry<String, Long> f : checks.entrySet()) {
            args.add(bytes(FENCE_FIELD + f.getKey()));
            args.add(decimal(f.getValue()));
        }
        for (Map.Entry<String, Long> f : stores.entrySet()) {
            args.add(bytes(FENCE_FIELD + f.getKey()));
            args.add(decimal(f.getValue()));
        }
    }

    /** {@code value} in decimal ASCII; the small values are shared arrays (Jedis never changes its arguments). */
    static byte[] decimal(long value) {
        if (value >= 0 && value < SMALL_NUMBERS.length) {
            return SMALL_NUMBERS[(int) value];
        }
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The value of field {@code l}: {@code e} when the key expires, {@code p} when it persists, then
     * each fence source in order as {@code <length>:<name>}, so two different layouts never look alike.
     */
    static byte[] layout(Map<String, Long> fences, boolean expires) {
        if (fences.isEmpty()) {
            return expires ? EXPIRING : PERSISTENT;
        }
        String[] names = fences.keySet().toArray(new String[0]);
        java.util.Arrays.sort(names);
        StringBuilder sb = new StringBuilder(expires ? "e" : "p");
        for (String name : names) {
            sb.append(name.length()).append(':').append(name);
        }
        return bytes(sb.toString());
    }

    static WriteOutcome.Status status(Object result, String userId) {
        if (result instanceof Long code) {
            if (code == 0) {
                return WriteOutcome.Status.WRITTEN;
            } else if (code == 1) {
                return WriteOutcome.Status.CONFLICT;
            } else if (code == 2) {
                return WriteOutcome.Status.STALE_FENCE;
            }
        }
        throw new ProfileStoreException("unexpected answer " + result + " from the write script for user " + userId);
    }

    static String sha1Hex(String script) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(bytes(script));
            StringBuilder sb = new StringBuilder(40);
            for (byte b : d) {
                sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
