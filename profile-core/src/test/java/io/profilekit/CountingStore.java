package io.profilekit;

import io.profilekit.spi.ProfileState;
import io.profilekit.spi.ProfileStore;
import io.profilekit.spi.ProfileWrite;
import io.profilekit.spi.WriteOutcome;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** Wraps a store to count calls and to inject failures or races. For tests. */
public class CountingStore implements ProfileStore {
    public final ProfileStore delegate;
    public final AtomicInteger loadCalls = new AtomicInteger();
    public final AtomicInteger writeCalls = new AtomicInteger();
    public final AtomicInteger writes = new AtomicInteger();
    public volatile RuntimeException failNext;
    public volatile Consumer<List<ProfileWrite>> beforeWrite = w -> { };

    public CountingStore(ProfileStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public Map<String, ProfileState> loadAll(Collection<String> userIds) {
        loadCalls.incrementAndGet();
        throwIfAsked();
        return delegate.loadAll(userIds);
    }

    @Override
    public List<WriteOutcome> writeAll(List<ProfileWrite> batch) {
        writeCalls.incrementAndGet();
        throwIfAsked();
        beforeWrite.accept(batch);
        writes.addAndGet(batch.size());
        return delegate.writeAll(batch);
    }

    @Override
    public void erase(String userId, Instant erasedAt) {
        delegate.erase(userId, erasedAt);
    }

    private void throwIfAsked() {
        RuntimeException e = failNext;
        if (e != null) {
            failNext = null;
            throw e;
        }
    }
}
