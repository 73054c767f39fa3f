/// The version every command prints with `--version` and the gateway exports as `dancu_build_info`.
/// Raised with each release; an image tag names the same version.
public enum BuildVersion {
    public static let current = "0.18.0"
}
