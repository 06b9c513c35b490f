package io.profilekit.kafka;

import io.profilekit.ProfileStoreException;
import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileStore;
import io.profilekit.spi.ProfileWrite;
import io.profilekit.spi.WriteOutcome;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A store wrapper the test controls: {@link #down} makes every call fail as a store outage would;
 * {@link #crashAfterNextWrite} lets the next write through and then kills the calling thread with
 * an {@link Error}, as a process dying between the store write and the offset commit.
 */
final class SwitchableStore implements ProfileStore {
    /** Stands for the process dying: not an exception the processor handles. */
    static final class SimulatedCrash extends Error {
        private static final long serialVersionUID = 1L;

        SimulatedCrash() {
            super("simulated crash after the store write, before the offset commit");
        }
    }

    final ProfileStore delegate;
    volatile boolean down;
    volatile boolean crashAfterNextWrite;
    final AtomicInteger failedCalls = new AtomicInteger();
    final AtomicInteger writesBeforeCrash = new AtomicInteger();

    SwitchableStore(ProfileStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public Map<String, ProfileState> loadAll(Collection<String> userIds) {
        failIfDown();
        return delegate.loadAll(userIds);
    }

    @Override
    public List<WriteOutcome> writeAll(List<ProfileWrite> writes) {
        failIfDown();
        List<WriteOutcome> out = delegate.writeAll(writes);
        if (crashAfterNextWrite) {
            crashAfterNextWrite = false;
            writesBeforeCrash.set((int) out.stream().filter(WriteOutcome::written).count());
            throw new SimulatedCrash();
        }
        return out;
    }

    @Override
    public void erase(String userId, Instant erasedAt) {
        failIfDown();
        delegate.erase(userId, erasedAt);
    }

    private void failIfDown() {
        if (down) {
            failedCalls.incrementAndGet();
            throw new ProfileStoreException("store unreachable (test outage)");
        }
    }
}
