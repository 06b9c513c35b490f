package io.profilekit.redis;

import io.profilekit.Await;
import io.profilekit.Event;
import io.profilekit.MutableClock;
import io.profilekit.Profile;
import io.profilekit.ProfileEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.profilekit.redis.Purchases.CENT;
import static io.profilekit.redis.Purchases.T0;
import static io.profilekit.redis.Purchases.purchase;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stores on a real Redis Cluster: three redis-server masters on 127.0.0.1 in cluster mode,
 * the 16,384 slots split between them, and Jedis's {@code RedisClusterClient}.
 */
class RedisClusterTest {
    static final int NODES = 3;
    static final List<TestRedis> servers = new ArrayList<>();
    static final List<RedisClient> admins = new ArrayList<>();
    static RedisClusterClient cluster;

    @BeforeAll
    static void startCluster() {
        for (int i = 0; i < NODES; i++) {
            TestRedis r = TestRedis.startClusterNode();
            servers.add(r);
            admins.add(r.client());
        }
        int perNode = (16384 + NODES - 1) / NODES;
        for (int i = 0; i < NODES; i++) {
            List<String> args = new ArrayList<>(List.of("ADDSLOTS"));
            for (int slot = i * perNode; slot < Math.min(16384, (i + 1) * perNode); slot++) {
                args.add(Integer.toString(slot));
            }
            cluster(i, args.toArray(new String[0]));
        }
        for (int i = 1; i < NODES; i++) {
            cluster(0, "MEET", "127.0.0.1", Integer.toString(servers.get(i).port()));
        }
        Await.until(Duration.ofSeconds(60), "the cluster to agree on its slots", () -> {
            for (int i = 0; i < NODES; i++) {
                if (!text(cluster(i, "INFO")).contains("cluster_state:ok")) {
                    return false;
                }
            }
            return true;
        });
        Set<HostAndPort> nodes = new HashSet<>();
        servers.forEach(s -> nodes.add(new HostAndPort("127.0.0.1", s.port())));
        cluster = RedisClusterClient.builder().nodes(nodes)
                .clientConfig(DefaultJedisClientConfig.builder().socketTimeoutMillis(10_000).build()).build();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
        admins.forEach(RedisClient::close);
        servers.forEach(TestRedis::close);
    }

    private static Object cluster(int node, String... args) {
        return TestRedis.command(admins.get(node), "CLUSTER", args);
    }

    private static String text(Object reply) {
        return reply instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(reply);
    }

    @Test
    void profilesAndSessionsSpreadOverTheNodesWithExactTotals() {
        RedisProfileStore store = RedisProfileStore.builder(cluster).keyPrefix("c1:").build();
        assertThat(RedisProfileStore.isCluster(cluster)).isTrue();
        MutableClock clock = new MutableClock(T0.plusSeconds(60));
        // 40 plain users land in slots all over; 20 users with one hash tag share a slot, so the
        // write script carries several of them in one call
        List<String> users = new ArrayList<>();
        for (int u = 0; u < 40; u++) {
            users.add("user-" + u);
        }
        for (int u = 0; u < 20; u++) {
            users.add("{team-7}-" + u);
        }
        try (ProfileEngine engine = ProfileEngine.builder().reducer(Purchases.REDUCER).store(store)
                .sessions(Duration.ofMinutes(30)).sessionStore(RedisSessionStore.builder(cluster).keyPrefix("cs1:")
                        .indexKey("cs1-idle").build())
                .clock(clock).scheduler(false).build()) {
            int n = 0;
            for (int batch = 0; batch < 10; batch++) {
                if (batch == 5) {
                    admins.forEach(RedisClient::scriptFlush); // every node reloads the scripts by EVAL
                }
                List<Event> events = new ArrayList<>();
                for (int i = 0; i < 120; i++, n++) {
                    events.add(purchase("cl-" + n, users.get(n % users.size()), n));
                }
                assertThat(engine.recordAll(events).join()).allMatch(r -> r.applied());
            }
            for (String user : users) {
                Profile p = engine.get(user).orElseThrow();
                assertThat(p.getLong("purchases")).as(user).contains(20L);
                assertThat(p.getDecimal("revenue")).as(user).contains(CENT.multiply(BigDecimal.valueOf(20)));
            }
            assertThat(engine.session("user-3")).isPresent();
            clock.advance(Duration.ofHours(1));
            engine.maintain();
            assertThat(engine.session("user-3")).isEmpty();
            engine.erase("{team-7}-4");
            assertThat(engine.get("{team-7}-4")).isEmpty();
            assertThat(engine.metrics().storeFailures()).isZero();
        }
        // every node holds some of the profiles, each on the node that owns its key's slot
        for (int i = 0; i < NODES; i++) {
            assertThat(admins.get(i).dbSize()).as("keys on node " + i).isPositive();
        }
        int slot = JedisClusterCRC16.getSlot("c1:{team-7}-0");
        assertThat(JedisClusterCRC16.getSlot("c1:{team-7}-19")).isEqualTo(slot);
        int owner = slot / ((16384 + NODES - 1) / NODES);
        assertThat(admins.get(owner).exists("c1:{team-7}-0")).isTrue();
    }

    @Test
    void twoEnginesOnTheClusterWithHotUsersGiveExactTotals() throws Exception {
        RedisProfileStore store = RedisProfileStore.builder(cluster).keyPrefix("c2:").build();
        try (ProfileEngine a = ProfileEngine.builder().reducer(Purchases.REDUCER).store(store).scheduler(false)
                .clock(new MutableClock(T0.plusSeconds(60))).build();
             ProfileEngine b = ProfileEngine.builder().reducer(Purchases.REDUCER).store(store).scheduler(false)
                     .clock(new MutableClock(T0.plusSeconds(60))).build()) {
            Thread other = new Thread(() -> record(b, "b"));
            other.start();
            record(a, "a");
            other.join();
            long total = 0;
            for (int u = 0; u < 5; u++) {
                total += a.get("hot-" + u).orElseThrow().getLong("purchases").orElseThrow();
            }
            assertThat(total).isEqualTo(2 * 20 * 50);
        }
    }

    private static void record(ProfileEngine engine, String name) {
        for (int batch = 0; batch < 20; batch++) {
            List<Event> events = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                events.add(purchase(name + "-" + batch + "-" + i, "hot-" + (i % 5), batch * 50L + i));
            }
            assertThat(engine.recordAll(events).join()).allMatch(r -> r.applied());
        }
    }
}
