/// A cache key: the HMAC-SHA256 of a normalised (ID number, full name, date of birth), truncated
/// to 128 bits. It does not reveal the ID number; with a per-deployment or per-process secret it
/// cannot be recomputed from a list of ID numbers either. At 128 bits the odds of any two of a
/// million entries colliding are about 10^-27, and the index takes half the memory of 256 bits.
public struct CacheKey: Sendable, Hashable {
    let high: UInt64
    let low: UInt64
}
