package io.profilekit.redis;

import io.profilekit.ProfileStoreContract;
import io.profilekit.spi.ProfileStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import redis.clients.jedis.RedisClient;

import java.util.concurrent.atomic.AtomicInteger;

/** The shared store contract, against a real Redis. */
class RedisProfileStoreContractTest extends ProfileStoreContract {
    static TestRedis redis;
    static RedisClient client;
    static final AtomicInteger TEST = new AtomicInteger();

    @BeforeAll
    static void startRedis() {
        redis = TestRedis.start();
        client = redis.client();
    }

    @AfterAll
    static void stopRedis() {
        client.close();
        redis.close();
    }

    @Override
    protected ProfileStore createStore() {
        // a key prefix per test: each test starts from an empty store on the shared server
        return RedisProfileStore.builder(client).keyPrefix("contract-" + TEST.incrementAndGet() + ":").build();
    }
}
