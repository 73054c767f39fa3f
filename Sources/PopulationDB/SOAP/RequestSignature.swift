import Crypto
import DanCuContract
import Foundation

/// How direct integrations authenticate to the population database: a `Timestamp` header (epoch
/// milliseconds) and `Authorization: Basic base64(username:hex(sha256(url + username + timestamp + secret)))`.
/// Both sides compute the digest over the URL the client posts to, so a signature cannot be
/// replayed against another endpoint, nor (with the timestamp check) much later.
public enum RequestSignature {
    public static func digest(url: String, username: String, timestamp: String, secret: String) -> String {
        SHA256.hash(data: Array((url + username + timestamp + secret).utf8)).lowercaseHex
    }

    /// The `Authorization` header value.
    public static func authorization(url: String, username: String, timestamp: String, secret: String) -> String {
        let credentials = username + ":" + digest(url: url, username: username, timestamp: timestamp, secret: secret)
        return "Basic " + Data(credentials.utf8).base64EncodedString()
    }

    /// The user name and digest of a `Basic` header, or `nil` when it is not one.
    public static func credentials(fromAuthorization header: String) -> (username: String, digest: String)? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let decoded = Data(base64Encoded: parts[1].trimmingXMLWhitespace()),
            let text = String(validating: decoded, as: UTF8.self),
            let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    /// Compares in time independent of where the strings first differ, so the digest cannot be guessed
    /// byte by byte from response times.
    public static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
