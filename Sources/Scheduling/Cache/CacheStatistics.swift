/// What the cache counted since it was created.
public struct CacheStatistics: Sendable, Hashable {
    /// Answers served from the cache.
    public var hits: Int
    /// Requests that had to ask the database (or join a call already under way).
    public var misses: Int
    /// Requests that joined an identical call already under way instead of making their own.
    public var coalesced: Int
    /// Entries pushed out to stay within `maxEntries` / `maxBytes`.
    public var evictions: Int
    public var entries: Int
    /// Estimated memory of the entries, in bytes.
    public var bytes: Int
    /// Distinct strings the cached records share (see `ResultCache`).
    public var sharedStrings: Int
}
