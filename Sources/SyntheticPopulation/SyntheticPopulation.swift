import DanCuContract

/// A deterministic population of `size` Vietnamese citizens: citizen `i` under `seed` is a pure
/// function of `(seed, i)`, and both of its ID numbers decode back to `i` without any stored
/// table, so a population of millions costs a few kilobytes and starts at once.
///
/// How IDs stay invertible: a keyed permutation shuffles indices into positions; positions are cut
/// into (birth province, birth year, gender) buckets sized like the real population, so the bucket
/// gives the CCCD's first six digits; the offset inside the bucket, shuffled by a second keyed
/// permutation, is the six-digit serial. A CMND is the index under a third permutation of the
/// nine-digit space, kept only by people born before 2000 who had one.
///
/// The map is that of after 1 July 2025 where the records have it: CCCDs keep the 63-list code of the
/// birth province (merged provinces included), and most records' addresses have two levels (commune,
/// today's province) while some, not yet moved, still name a district and the former province.
public struct SyntheticPopulation: Sendable {
    /// The largest supported size: the whole country, comfortably below the point where a
    /// (province, year, gender) bucket would outgrow its one million serials.
    public static let maximumSize = 100_000_000

    /// Which population this is: another seed gives other people with other IDs.
    public let seed: UInt64
    /// How many citizens there are; indices run over `0..<size`.
    public let size: Int

    private let buckets: BirthBuckets
    private let positions: KeyedPermutation
    private let legacyNumbers: KeyedPermutation

    /// Builds the tables only (tens of kilobytes, milliseconds). `size` must be in `0...maximumSize`.
    public init(seed: UInt64, size: Int) {
        precondition((0...Self.maximumSize).contains(size), "population size \(size) outside 0...\(Self.maximumSize)")
        self.seed = seed
        self.size = size
        buckets = BirthBuckets(size: size)
        positions = KeyedPermutation(domain: UInt64(max(size, 1)), key: hash(seed, Stream.positions))
        legacyNumbers = KeyedPermutation(domain: Self.legacyIdSpace, key: hash(seed, Stream.legacyNumbers))
    }

    /// Citizen number `index`. `index` must be in `0..<size`: a caller's bug, not input to validate,
    /// so it traps; to resolve IDs that arrive from outside use `citizen(idNumber:)`.
    public func citizen(at index: Int) -> CitizenRecord {
        let identity = identity(at: index)
        return CitizenFactory(seed: seed, index: index, birth: identity.birth).record(
            idNumber: Self.formatDigits(identity.idNumber, count: 12),
            legacyIdNumber: identity.legacyIdNumber.map { Self.formatDigits($0, count: 9) }
        )
    }

    /// `citizen(at: index).idNumber` without building the rest of the record (for traffic generators).
    /// `index` must be in `0..<size`.
    public func idNumber(at index: Int) -> String {
        Self.formatDigits(idNumberValue(at: index), count: 12)
    }

    /// `citizen(at: index).legacyIdNumber` without building the rest of the record. `index` must be in `0..<size`.
    public func legacyIdNumber(at index: Int) -> String? {
        legacyIdNumberValue(at: index).map { Self.formatDigits($0, count: 9) }
    }

    /// The index of the citizen whose CCCD is `idNumber`, or `nil` when it is malformed or nobody's.
    /// Constant time: the digits name the bucket, two permutations are inverted.
    public func index(ofIdNumber idNumber: String) -> Int? {
        Self.digitsValue(idNumber, count: 12).flatMap(index(ofIdNumberValue:))
    }

    /// The citizen whose CCCD is `idNumber`, or `nil` when it is malformed or nobody's.
    public func citizen(idNumber: String) -> CitizenRecord? {
        index(ofIdNumber: idNumber).map(citizen(at:))
    }

    /// The index of the citizen whose old 9-digit CMND is `cmnd`, or `nil` when malformed or nobody's.
    /// One permutation inverted, plus a binary search over the buckets to check the holder's birth year.
    public func index(ofLegacyIdNumber cmnd: String) -> Int? {
        Self.digitsValue(cmnd, count: 9).flatMap(index(ofLegacyIdNumberValue:))
    }

    /// The citizen whose old 9-digit CMND is `cmnd`, or `nil` when malformed or nobody's.
    public func citizen(legacyIdNumber cmnd: String) -> CitizenRecord? {
        index(ofLegacyIdNumber: cmnd).map(citizen(at:))
    }

    /// A 12-digit CCCD that is well-formed and consistent with a plausible birth province, year and
    /// gender but belongs to nobody in this population (for "unknown ID" test traffic), derived
    /// deterministically from `salt`.
    public func unassignedIdNumber(salt: UInt64) -> String {
        let draw = hash(seed, Stream.unassigned, salt)
        // Borrowing a random citizen's bucket gives unknown IDs the population's own distribution.
        let bucket =
            size > 0
            ? buckets.bucket(containing: scaled(draw, below: size))
            : scaled(draw, below: BirthBuckets.count)
        return unassignedIdNumber(in: bucket, draw: mix64(draw))
    }

    /// Like `unassignedIdNumber(salt:)` for a birth year and gender the caller chooses, so that a
    /// date of birth sent along agrees with the ID's digits; the birth province is drawn from `salt`.
    /// `nil` when a CCCD cannot encode `birthYear` (before 1900 or after 2199).
    public func unassignedIdNumber(salt: UInt64, birthYear: Int, gender: Gender) -> String? {
        guard (1900...2199).contains(birthYear) else { return nil }
        let draw = hash(seed, Stream.unassigned, salt)
        let key = BirthBuckets.Key(
            provinceIndex: ProvinceProfile.byPopulation.pick(draw),
            year: birthYear,
            gender: gender
        )
        guard BirthBuckets.years.contains(birthYear) else {
            // Nobody in the population was born that year, so every serial is free.
            let serial = UInt64(scaled(mix64(draw), below: BirthBuckets.serialCapacity))
            return Self.formatDigits(Self.idNumberValue(key: key, serial: serial), count: 12)
        }
        return unassignedIdNumber(in: BirthBuckets.bucket(for: key), draw: mix64(draw))
    }

    /// A serial of `bucket` that no citizen holds. `maximumSize` keeps every bucket short of its
    /// million serials, so free ones always exist.
    private func unassignedIdNumber(in bucket: Int, draw: UInt64) -> String {
        let used = buckets.population(of: bucket)
        let offset = used + scaled(draw, below: BirthBuckets.serialCapacity - used)
        let serial = serials(of: bucket).apply(UInt64(offset))
        return Self.formatDigits(Self.idNumberValue(key: BirthBuckets.key(of: bucket), serial: serial), count: 12)
    }

    // MARK: - Identity numbers

    private static let legacyIdSpace: UInt64 = 1_000_000_000

    /// Tags separating the keyed streams derived from the seed.
    private enum Stream {
        static let positions: UInt64 = 0x504F_5349_5449_4F4E
        static let serials: UInt64 = 0x5345_5249_414C_5321
        static let legacyNumbers: UInt64 = 0x434D_4E44_4E55_4D53
        static let unassigned: UInt64 = 0x554E_4153_5349_474E
    }

    /// What citizen `index`'s ID numbers say, as numbers.
    struct Identity {
        let birth: BirthBuckets.Key
        let idNumber: UInt64
        let legacyIdNumber: UInt64?
    }

    func identity(at index: Int) -> Identity {
        requireIndex(index)
        let placement = placement(at: index)
        return Identity(
            birth: placement.key,
            idNumber: idNumberValue(of: placement),
            legacyIdNumber: legacyIdNumberValue(at: index, birthYear: placement.key.year)
        )
    }

    /// The CCCD of citizen `index` as a number.
    func idNumberValue(at index: Int) -> UInt64 {
        requireIndex(index)
        return idNumberValue(of: placement(at: index))
    }

    /// The CMND of citizen `index` as a number, when they have one.
    func legacyIdNumberValue(at index: Int) -> UInt64? {
        requireIndex(index)
        return legacyIdNumberValue(at: index, birthYear: placement(at: index).key.year)
    }

    func index(ofIdNumberValue value: UInt64) -> Int? {
        let provinceCode = Int(value / 1_000_000_000)
        let centuryAndGender = Int(value / 100_000_000 % 10)
        let yearInCentury = Int(value / 1_000_000 % 100)
        let serial = value % 1_000_000
        guard centuryAndGender <= 5, let provinceIndex = Self.provinceIndexByNumericCode[provinceCode] else {
            return nil
        }
        let year = 1900 + centuryAndGender / 2 * 100 + yearInCentury
        guard BirthBuckets.years.contains(year) else { return nil }
        let gender: Gender = centuryAndGender % 2 == 0 ? .male : .female
        let bucket = BirthBuckets.bucket(for: .init(provinceIndex: provinceIndex, year: year, gender: gender))
        let offset = serials(of: bucket).invert(serial)
        guard offset < UInt64(buckets.population(of: bucket)) else { return nil }
        return Int(positions.invert(UInt64(buckets.start(of: bucket)) + offset))
    }

    func index(ofLegacyIdNumberValue value: UInt64) -> Int? {
        guard value < Self.legacyIdSpace else { return nil }
        let candidate = legacyNumbers.invert(value)
        guard candidate < UInt64(size) else { return nil }
        let index = Int(candidate)
        return legacyIdNumberValue(at: index) == value ? index : nil
    }

    private func requireIndex(_ index: Int) {
        precondition((0..<size).contains(index), "citizen index \(index) outside 0..<\(size)")
    }

    private func placement(at index: Int) -> BirthBuckets.Placement {
        buckets.placement(ofPosition: positions.apply(UInt64(index)))
    }

    private func idNumberValue(of placement: BirthBuckets.Placement) -> UInt64 {
        Self.idNumberValue(key: placement.key, serial: serials(of: placement.bucket).apply(placement.offset))
    }

    /// Most people born before 2000 were issued a CMND; fewer of the very old, who never renewed
    /// theirs into the electronic records.
    private func legacyIdNumberValue(at index: Int, birthYear: Int) -> UInt64? {
        guard birthYear < 2000 else { return nil }
        let perMille = birthYear < 1945 ? 700 : 880
        guard CitizenDraws(seed: seed, index: index).chance(perMille: perMille, .cmndHolder) else { return nil }
        return legacyNumbers.apply(UInt64(index))
    }

    private static func idNumberValue(key: BirthBuckets.Key, serial: UInt64) -> UInt64 {
        let provinceCode = UInt64(ProvinceProfile.all[key.provinceIndex].numericCode)
        let centuryAndGender = UInt64((key.year / 100 - 19) * 2 + (key.gender == .male ? 0 : 1))
        let yearInCentury = UInt64(key.year % 100)
        return provinceCode * 1_000_000_000 + centuryAndGender * 100_000_000 + yearInCentury * 1_000_000 + serial
    }

    private func serials(of bucket: Int) -> KeyedPermutation {
        KeyedPermutation(
            domain: UInt64(BirthBuckets.serialCapacity),
            key: hash(seed, Stream.serials, UInt64(bucket))
        )
    }

    private static let provinceIndexByNumericCode: [Int: Int] = Dictionary(
        uniqueKeysWithValues: ProvinceProfile.all.enumerated().map { ($1.numericCode, $0) }
    )

    /// The value of `text` when it is exactly `count` ASCII digits.
    private static func digitsValue(_ text: String, count: Int) -> UInt64? {
        var value: UInt64 = 0
        var digits = 0
        for byte in text.utf8 {
            guard digits < count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits == count ? value : nil
    }

    static func formatDigits(_ value: UInt64, count: Int) -> String {
        String(unsafeUninitializedCapacity: count) { buffer in
            var rest = value
            for position in stride(from: count - 1, through: 0, by: -1) {
                buffer[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            return count
        }
    }
}
