import Testing

@testable import PopulationDB

@Suite("Request signatures")
struct RequestSignatureTests {
    // Computed independently with Python's hashlib and base64.
    static let url = "http://127.0.0.1:8080/dancu/ws"
    static let expectedDigest = "c2274af6fe571d850b50f2fccd6e9edebc55c4158ab3fcbad7ff1c0d7a8a356f"
    static let expectedHeader =
        "Basic ZGFuY3UtZ2F0ZXdheTpjMjI3NGFmNmZlNTcxZDg1MGI1MGYyZmNjZDZlOWVkZWJjNTVjNDE1OGFiM2ZjYmFkN2ZmMWMwZDdhOGEzNTZm"

    @Test("the header matches an independently computed one")
    func knownVector() {
        let header = RequestSignature.authorization(
            url: Self.url,
            username: "dancu-gateway",
            timestamp: "1700000000000",
            secret: "bí-mật"
        )
        #expect(header == Self.expectedHeader)
    }

    @Test("credentials read back from the header")
    func credentialsReadBack() throws {
        let credentials = try #require(RequestSignature.credentials(fromAuthorization: Self.expectedHeader))
        #expect(credentials.username == "dancu-gateway")
        #expect(credentials.digest == Self.expectedDigest)
    }

    @Test(
        "headers that are not Basic credentials are refused",
        arguments: ["Bearer abc", "Basic !!!", "Basic", "Basic Zm9v"]
    )
    func notBasic(header: String) {
        #expect(RequestSignature.credentials(fromAuthorization: header) == nil)
    }

    @Test("comparison")
    func comparison() {
        #expect(RequestSignature.constantTimeEquals("abc", "abc"))
        #expect(!RequestSignature.constantTimeEquals("abc", "abd"))
        #expect(!RequestSignature.constantTimeEquals("abc", "abcd"))
    }
}
