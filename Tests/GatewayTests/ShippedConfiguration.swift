import Foundation

/// The configuration a newcomer runs with, as it ships: the configuration tests load it unchanged.
enum ShippedConfiguration {
    static let path = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: "Config/gateway.yaml").path
}
