import Foundation
import Testing

@testable import FlinkctlSecurity

/// Java's own TLS stack (JSSE, what Flink uses) loads our keystore and truststore and completes a
/// mutual-TLS handshake on loopback with the cipher suites `--conf` writes; a peer whose certificate
/// comes from another CA is refused. Flink itself is not started here.
@Suite(.serialized) struct JSSEHandshakeTests {
    static let javaPath = "/usr/bin/java"
    static let hasJava = FileManager.default.isExecutableFile(atPath: javaPath)

    /// A single-file Java program (run with `java Handshake.java`, no javac step).
    /// Arguments: password-file suite server-keystore server-truststore client-keystore client-truststore.
    /// Prints "HANDSHAKE OK <suite>" or "HANDSHAKE FAILED <exception>"; exits 0 either way, 3 on setup errors.
    static let source = #"""
    import java.io.*;
    import java.net.*;
    import java.nio.file.*;
    import java.security.KeyStore;
    import javax.net.ssl.*;

    public class Handshake {
        static SSLContext context(String keystore, String truststore, char[] password) throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = new FileInputStream(keystore)) { ks.load(in, password); }
            KeyStore ts = KeyStore.getInstance("PKCS12");
            try (InputStream in = new FileInputStream(truststore)) { ts.load(in, password); }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
            SSLContext ctx = SSLContext.getInstance("TLSv1.2");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        }

        public static void main(String[] a) throws Exception {
            char[] password = Files.readAllLines(Paths.get(a[0])).get(0).toCharArray();
            String[] suites = { a[1] };
            SSLContext server = context(a[2], a[3], password);
            SSLContext client = context(a[4], a[5], password);
            SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress());
            listener.setNeedClientAuth(true);
            listener.setEnabledCipherSuites(suites);
            listener.setEnabledProtocols(new String[] { "TLSv1.2" });
            Thread serverThread = new Thread(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.getOutputStream().write(s.getInputStream().read());
                    s.getOutputStream().flush();
                } catch (Exception e) { /* the client reports the outcome */ }
            });
            serverThread.start();
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                s.setEnabledCipherSuites(suites);
                s.setEnabledProtocols(new String[] { "TLSv1.2" });
                s.setSoTimeout(10000);
                s.startHandshake();
                s.getOutputStream().write(42);
                s.getOutputStream().flush();
                int echoed = s.getInputStream().read();
                if (echoed != 42) throw new IOException("echo failed: " + echoed);
                System.out.println("HANDSHAKE OK " + s.getSession().getCipherSuite());
            } catch (SSLException | SocketException e) {
                System.out.println("HANDSHAKE FAILED " + e);
            } finally {
                listener.close();
                serverThread.join(10000);
            }
        }
    }
    """#

    @Test(.enabled(if: hasJava), arguments: [KeyType.rsa2048, .ecP256])
    func mutualTLSWithOurFilesAndRefusalOfAnotherCA(_ type: KeyType) throws {
        try withTemporaryDirectory { dir in
            try write(Self.source, to: dir + "/Handshake.java")
            try write(Fixtures.password.text + "\n", to: dir + "/pw")
            try AtomicFileSet(directory: dir + "/a").write(try Fixtures.material(type).files(password: Fixtures.password))
            // A second, independent CA and node: its certificate must not be accepted by the first.
            var request = KeystoreGenerationRequest()
            request.keyType = type
            request.names = [.dns("intruder.example")]
            let other = try FlinkTLSMaterial.generate(request)
            try AtomicFileSet(directory: dir + "/b").write(try other.files(password: Fixtures.password))

            let suite = FlinkSSLConfiguration(keystorePath: "", truststorePath: "", password: Fixtures.password, keyType: type)
                .algorithms.split(separator: ",").first.map(String.init) ?? ""
            let a = (dir + "/a/flink.keystore", dir + "/a/flink.truststore")
            let b = (dir + "/b/flink.keystore", dir + "/b/flink.truststore")

            let good = try run(Self.javaPath, [dir + "/Handshake.java", dir + "/pw", suite, a.0, a.1, a.0, a.1])
            #expect(good.stdout.contains("HANDSHAKE OK \(suite)"), "stdout: \(good.stdout) stderr: \(good.stderr)")

            // The intruder presents a certificate from another CA to a server that trusts only ours.
            let intruder = try run(Self.javaPath, [dir + "/Handshake.java", dir + "/pw", suite, a.0, a.1, b.0, a.1])
            #expect(intruder.status == 0 && intruder.stdout.contains("HANDSHAKE FAILED"), "stdout: \(intruder.stdout) stderr: \(intruder.stderr)")
        }
    }
}
