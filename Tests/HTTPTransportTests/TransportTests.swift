import HTTPTransport
import Testing

@Suite("libcurl transport")
struct TransportTests {
    @Test("a refused connection is a TransportError with libcurl's words")
    func refused() throws {
        var options = TransportOptions()
        options.plainSockets = false
        let client = try HTTPClient(options: options)
        do {
            _ = try client.perform(HTTPRequest(url: "http://127.0.0.1:1/"))
            Issue.record("expected a connection error")
        } catch let e as TransportError {
            #expect(e.code == .connect)
            #expect(e.curlMessage?.contains("Couldn't connect to server") == true, "\(e)")
        }
    }

    @Test("libcurl is linked with GSS-API (SPNEGO) support")
    func version() {
        #expect(HTTPClient.curlVersion.contains("libcurl/"))
        #expect(HTTPClient.supportsSPNEGO)
    }
}
