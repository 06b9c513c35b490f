package io.profilekit.redis;

import io.profilekit.Event;
import io.profilekit.MutableClock;
import io.profilekit.ProfileEngine;
import io.profilekit.ProfileStoreException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.SslVerifyMode;
import redis.clients.jedis.exceptions.JedisConnectionException;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.profilekit.redis.Purchases.CENT;
import static io.profilekit.redis.Purchases.T0;
import static io.profilekit.redis.Purchases.purchase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The stores over TLS as an ACL user with only the permissions the README lists: a real
 * redis-server serving TLS with a self-signed certificate, and a client that trusts only it.
 */
class RedisSecurityTest {
    /** The {@code ACL SETUSER} rule as the README gives it (read from the README, so the two agree). */
    static String[] readmeAcl() throws java.io.IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int at = readme.indexOf("ACL SETUSER ");
        assertThat(at).as("the README shows an ACL SETUSER rule").isNotNegative();
        StringBuilder rule = new StringBuilder();
        for (String line : readme.substring(at + "ACL ".length()).split("\n")) {
            boolean more = line.endsWith("\\");
            rule.append(more ? line.substring(0, line.length() - 1) : line).append(' ');
            if (!more) {
                break;
            }
        }
        return rule.toString().trim().split("\\s+");
    }

    static Path dir;
    static TestRedis redis;
    static RedisClient admin;
    static int tlsPort;
    static TestTls tls;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("profilekit-tls-");
        tls = TestTls.create(dir);
        tlsPort = TestRedis.freePort();
        redis = TestRedis.start(false, tls.serverSettings(tlsPort));
        admin = redis.client(); // the default user, on the plain port
        TestRedis.command(admin, "ACL", readmeAcl());
    }

    @AfterAll
    static void stop() throws Exception {
        admin.close();
        redis.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Redis's log of refused commands, as text. */
    static List<String> aclLog() {
        List<String> out = new ArrayList<>();
        for (Object entry : (List<?>) TestRedis.command(admin, "ACL", "LOG")) {
            out.add(text(entry));
        }
        return out;
    }

    private static String text(Object reply) {
        if (reply instanceof byte[] b) {
            return new String(b, java.nio.charset.StandardCharsets.UTF_8);
        }
        if (reply instanceof java.util.Map.Entry<?, ?> e) {
            return text(e.getKey()) + "=" + text(e.getValue());
        }
        if (reply instanceof redis.clients.jedis.util.KeyValue<?, ?> kv) {
            return text(kv.getKey()) + "=" + text(kv.getValue());
        }
        if (reply instanceof List<?> list) {
            return list.stream().map(RedisSecurityTest::text).collect(java.util.stream.Collectors.joining(" ", "[", "]"));
        }
        return String.valueOf(reply);
    }

    static RedisClient tlsClient(String user, String password) {
        return RedisClient.builder().hostAndPort(new HostAndPort("127.0.0.1", tlsPort))
                .clientConfig(DefaultJedisClientConfig.builder().user(user).password(password)
                        .sslOptions(SslOptions.builder().truststore(tls.trustStore.toFile(), tls.trustStorePassword())
                                .sslVerifyMode(SslVerifyMode.FULL).build())
                        .connectionTimeoutMillis(5_000).socketTimeoutMillis(10_000).build())
                .build();
    }

    @Test
    void profilesAndSessionsWorkOverTlsWithTheReadmeAclRule() {
        MutableClock clock = new MutableClock(T0.plusSeconds(60));
        try (RedisClient app = tlsClient("profilekit", "secret");
             ProfileEngine engine = ProfileEngine.builder().reducer(Purchases.REDUCER)
                     .store(RedisProfileStore.builder(app).keyPrefix("shop:pk:").defaultProfileTtl(Duration.ofDays(90)).build())
                     .sessions(Duration.ofMinutes(30)).sessionStore(RedisSessionStore.builder(app)
                             .keyPrefix("shop:pks:").indexKey("shop:pks-idle").build())
                     .clock(clock).scheduler(false).build()) {
            List<Event> batch = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                batch.add(purchase("tls-" + i, "user-" + (i % 4), i));
            }
            assertThat(engine.recordAll(batch).join()).allMatch(r -> r.applied());
            // scripts flushed: the next writes load them again with EVAL, which the rule allows
            admin.scriptFlush();
            assertThat(engine.record(purchase("tls-40", "user-0", 40)).join().applied()).isTrue();

            assertThat(engine.get("user-0").orElseThrow().getLong("purchases")).contains(11L);
            assertThat(engine.get("user-1").orElseThrow().getDecimal("revenue"))
                    .contains(CENT.multiply(BigDecimal.TEN));
            assertThat(engine.session("user-0")).isPresent();
            // sessions end and are committed to the profiles (the idle index, ZRANGE BYSCORE)
            clock.advance(Duration.ofHours(1));
            engine.maintain();
            assertThat(engine.session("user-0")).isEmpty();
            engine.erase("user-3");
            assertThat(engine.get("user-3")).isEmpty();
            assertThat(engine.metrics().storeFailures()).isZero();
        }
        // the engine's commands ran as the ACL user: Redis counts none refused
        assertThat(aclLog()).isEmpty();
    }

    @Test
    void keysOutsideTheUsersPatternsAreRefusedWithAClearError() {
        try (RedisClient app = tlsClient("profilekit", "secret")) {
            RedisProfileStore store = RedisProfileStore.builder(app).keyPrefix("billing:").build();
            assertThatThrownBy(() -> store.loadAll(List.of("u1")))
                    .isInstanceOf(ProfileStoreException.class).hasMessageContaining("NOPERM");
        } finally {
            TestRedis.command(admin, "ACL", "LOG", "RESET");
        }
    }

    @Test
    void aWrongPasswordOrNoTlsFailsWithTheJedisCause() {
        try (RedisClient wrong = tlsClient("profilekit", "not-the-secret")) {
            RedisProfileStore store = RedisProfileStore.builder(wrong).keyPrefix("shop:pk:").build();
            assertThatThrownBy(() -> store.loadAll(List.of("u1")))
                    .isInstanceOf(ProfileStoreException.class).hasMessageContaining("WRONGPASS");
        } finally {
            TestRedis.command(admin, "ACL", "LOG", "RESET");
        }
        try (RedisClient plain = RedisClient.builder().hostAndPort(new HostAndPort("127.0.0.1", tlsPort))
                .clientConfig(DefaultJedisClientConfig.builder().user("profilekit").password("secret")
                        .connectionTimeoutMillis(2_000).socketTimeoutMillis(2_000).build()).build()) {
            RedisProfileStore store = RedisProfileStore.builder(plain).keyPrefix("shop:pk:").build();
            assertThatThrownBy(() -> store.loadAll(List.of("u1")))
                    .isInstanceOf(ProfileStoreException.class).hasRootCauseInstanceOf(Exception.class)
                    .satisfies(e -> assertThat(e).hasCauseInstanceOf(JedisConnectionException.class));
        }
    }
}
