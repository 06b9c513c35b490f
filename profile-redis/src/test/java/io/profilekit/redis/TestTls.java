package io.profilekit.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for 127.0.0.1, made with the JDK's {@code keytool} (no other tool
 * needed), as the PEM files redis-server reads and as a trust store for the client. For tests.
 */
final class TestTls {
    private static final char[] PASSWORD = "changeit".toCharArray();

    final Path certificate;
    final Path privateKey;
    /** A PKCS#12 trust store holding the certificate, password {@link #trustStorePassword()}. */
    final Path trustStore;

    private TestTls(Path certificate, Path privateKey, Path trustStore) {
        this.certificate = certificate;
        this.privateKey = privateKey;
        this.trustStore = trustStore;
    }

    char[] trustStorePassword() {
        return PASSWORD.clone();
    }

    /** Makes the key pair and certificate in {@code dir}. */
    static TestTls create(Path dir) throws IOException, GeneralSecurityException, InterruptedException {
        Path store = dir.resolve("redis.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "redis", "-keyalg", "EC",
                "-groupname", "secp256r1", "-validity", "2", "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1",
                "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", new String(PASSWORD))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed: " + output);
        }
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, PASSWORD);
        }
        Certificate cert = keys.getCertificate("redis");
        PrivateKey key = (PrivateKey) keys.getKey("redis", PASSWORD);
        Path certificate = dir.resolve("redis.crt");
        Path privateKey = dir.resolve("redis.key");
        Files.writeString(certificate, pem("CERTIFICATE", cert.getEncoded()));
        Files.writeString(privateKey, pem("PRIVATE KEY", key.getEncoded())); // PKCS#8

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("redis", cert);
        Path trustStore = dir.resolve("trust.p12");
        try (var out = Files.newOutputStream(trustStore)) {
            trust.store(out, PASSWORD);
        }
        return new TestTls(certificate, privateKey, trustStore);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** The {@code redis.conf} lines serving TLS with this certificate on {@code port}. */
    List<String> serverSettings(int port) {
        return List.of("tls-port " + port, "tls-cert-file " + certificate, "tls-key-file " + privateKey,
                "tls-ca-cert-file " + certificate, "tls-auth-clients no");
    }
}
