package io.profilekit.kafka;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition by polling it, up to a deadline; never sleeps a fixed time. */
final class Await {
    private Await() {
    }

    static void await(Duration timeout, BooleanSupplier condition) {
        await(timeout, condition, () -> "");
    }

    static void await(Duration timeout, BooleanSupplier condition, Supplier<String> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("condition not met within " + timeout + " " + state.get());
            }
            LockSupport.parkNanos(5_000_000L);
        }
    }
}
