package io.profilekit.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class UserLocksTest {
    private final UserLocks locks = new UserLocks();

    @Test
    void batchesOfOtherUsersDoNotWait() throws Exception {
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            first.add("a-" + i);
            second.add("b-" + i);
        }
        UserLocks.Held held = locks.lock(first);
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            // 5000 + 5000 users: any striping by hash would share a stripe and make this wait
            Future<Integer> f = other.submit(() -> {
                UserLocks.Held h = locks.lock(second);
                int size = locks.size();
                locks.unlock(h);
                return size;
            });
            assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(10_000);
        } finally {
            locks.unlock(held);
            other.shutdownNow();
        }
        assertThat(locks.size()).isZero();
    }

    @Test
    void aUserHeldByAnotherThreadWaitsUntilReleased() throws Exception {
        UserLocks.Held held = locks.lock(List.of("u1", "u2"));
        AtomicBoolean acquired = new AtomicBoolean();
        CountDownLatch started = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            started.countDown();
            UserLocks.Held h = locks.lock(List.of("u3", "u2"));
            acquired.set(true);
            locks.unlock(h);
        });
        t.start();
        started.await();
        t.join(200); // the waiter cannot finish while u2 is held, whatever the scheduling
        assertThat(t.isAlive()).isTrue();
        assertThat(acquired).isFalse();
        locks.unlock(held);
        t.join(10_000);
        assertThat(acquired).isTrue();
        assertThat(locks.size()).isZero();
    }

    @Test
    void reentrantAndDuplicatesAllowed() {
        UserLocks.Held outer = locks.lock(List.of("u1", "u1", "u2"));
        UserLocks.Held inner = locks.lock(List.of("u2"));
        assertThat(locks.size()).isEqualTo(2);
        locks.unlock(inner);
        assertThat(locks.size()).isEqualTo(2);
        locks.unlock(outer);
        assertThat(locks.size()).isZero();
    }

    @Test
    void overlappingBatchesInAnyOrderNeverDeadlockAndExcludeEachOther() throws Exception {
        int threads = 4;
        int[] counters = new int[20];
        AtomicInteger inside = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            futures.add(pool.submit(() -> {
                java.util.Random random = new java.util.Random(seed);
                for (int round = 0; round < 2000; round++) {
                    List<String> users = new ArrayList<>();
                    for (int k = 0; k < 5; k++) {
                        users.add("u" + random.nextInt(counters.length));
                    }
                    Collections.shuffle(users, random);
                    UserLocks.Held h = locks.lock(users);
                    try {
                        for (String u : new java.util.TreeSet<>(users)) {
                            int i = Integer.parseInt(u.substring(1));
                            counters[i]++; // a plain increment: lost updates if two threads held one user
                        }
                        inside.incrementAndGet();
                    } finally {
                        locks.unlock(h);
                    }
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        int expected = 0;
        for (int t = 0; t < threads; t++) {
            java.util.Random random = new java.util.Random(t);
            for (int round = 0; round < 2000; round++) {
                List<String> users = new ArrayList<>();
                for (int k = 0; k < 5; k++) {
                    users.add("u" + random.nextInt(counters.length));
                }
                Collections.shuffle(users, random);
                expected += new java.util.TreeSet<>(users).size();
            }
        }
        int total = 0;
        for (int c : counters) {
            total += c;
        }
        assertThat(total).isEqualTo(expected);
        assertThat(inside.get()).isEqualTo(threads * 2000);
        assertThat(locks.size()).isZero();
    }

    /** "Aa" and "BB" share a hash code: the lock order still tells them apart, and duplicates lock once. */
    @Test
    void usersWithTheSameHashCodeAreTwoLocks() throws Exception {
        assertThat("Aa".hashCode()).isEqualTo("BB".hashCode());
        assertThat(UserLocks.ORDER.compare("Aa", "BB")).isNegative();
        assertThat(UserLocks.ORDER.compare("BB", "Aa")).isPositive();
        UserLocks.Held held = locks.lock(List.of("BB", "Aa", "BB", "Aa"));
        assertThat(locks.size()).isEqualTo(2);
        locks.unlock(held);
        assertThat(locks.size()).isZero();
    }
}
