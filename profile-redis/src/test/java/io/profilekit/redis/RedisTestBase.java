package io.profilekit.redis;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import redis.clients.jedis.RedisClient;

/**
 * One real redis-server (append-only file on) and a client to it for the tests of a class: started
 * before the class's first test, stopped after its last. Test classes run one at a time.
 */
abstract class RedisTestBase {
    static TestRedis redis;
    static RedisClient client;

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
}
