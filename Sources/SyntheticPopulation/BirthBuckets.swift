import DanCuContract

/// The (birth province, birth year, gender) groups a CCCD encodes, each given a share of the
/// population proportional to how many such people live (province size × age pyramid × sex ratio).
/// A citizen's position in the permuted population falls in exactly one bucket; the offset inside
/// it becomes the CCCD serial.
struct BirthBuckets: Sendable {
    static let years = 1930...2025
    static let serialCapacity = 1_000_000
    static let count = ProvinceProfile.all.count * years.count * 2

    /// `starts[b]` is the first position of bucket `b`; `starts[count]` is the population size.
    private let starts: [Int]

    struct Key: Hashable, Sendable {
        let provinceIndex: Int
        let year: Int
        let gender: Gender
    }

    init(size: Int) {
        var cumulative: [UInt64] = [0]
        cumulative.reserveCapacity(Self.count + 1)
        for profile in ProvinceProfile.all {
            for year in Self.years {
                let weight = UInt64(profile.population) * UInt64(Self.yearWeight(year))
                let female = UInt64(Self.femalePerMille(year))
                cumulative.append(cumulative[cumulative.count - 1] + weight * (1000 - female))
                cumulative.append(cumulative[cumulative.count - 1] + weight * female)
            }
        }
        let total = cumulative[cumulative.count - 1]
        // Rounding the cumulative shares (rather than each share) makes the counts add up to `size` exactly.
        starts = cumulative.map { weight in
            let product = UInt64(size).multipliedFullWidth(by: weight)
            return Int(total.dividingFullWidth(product).quotient)
        }
    }

    var size: Int { starts[Self.count] }

    func start(of bucket: Int) -> Int { starts[bucket] }

    func population(of bucket: Int) -> Int { starts[bucket + 1] - starts[bucket] }

    /// Where a position (`0..<size`) falls: its bucket and the offset inside it.
    struct Placement: Sendable {
        let bucket: Int
        let key: Key
        let offset: UInt64
    }

    func placement(ofPosition position: UInt64) -> Placement {
        let bucket = bucket(containing: Int(position))
        return Placement(bucket: bucket, key: Self.key(of: bucket), offset: position - UInt64(starts[bucket]))
    }

    /// The bucket holding `position` (`0..<size`).
    func bucket(containing position: Int) -> Int {
        // The last bucket starting at or before `position`; it is never empty because the next starts later.
        var low = 0
        var high = Self.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= position { low = middle } else { high = middle - 1 }
        }
        return low
    }

    static func bucket(for key: Key) -> Int {
        ((key.provinceIndex * years.count) + (key.year - years.lowerBound)) * 2 + (key.gender == .male ? 0 : 1)
    }

    static func key(of bucket: Int) -> Key {
        let gender: Gender = bucket % 2 == 0 ? .male : .female
        let yearIndex = (bucket / 2) % years.count
        return Key(provinceIndex: bucket / 2 / years.count, year: years.lowerBound + yearIndex, gender: gender)
    }

    /// Relative number of people alive in 2025 born in `year`: few very old, a baby-boom plateau
    /// from the 1970s, lower fertility after 2000, interpolated between census-like anchors.
    static func yearWeight(_ year: Int) -> Int {
        let anchors: [(year: Int, weight: Int)] = [
            (1930, 40), (1940, 180), (1950, 420), (1960, 720), (1970, 980), (1980, 1080),
            (1990, 1050), (2000, 940), (2010, 1000), (2017, 1080), (2025, 880),
        ]
        guard let upper = anchors.firstIndex(where: { $0.year >= year }) else {
            return anchors[anchors.count - 1].weight
        }
        guard upper > 0 else { return anchors[0].weight }
        let (a, b) = (anchors[upper - 1], anchors[upper])
        return a.weight + (b.weight - a.weight) * (year - a.year) / (b.year - a.year)
    }

    /// Women per thousand among people born in `year`: even for the young, more women among the old.
    static func femalePerMille(_ year: Int) -> Int {
        year >= 1965 ? 495 : 495 + (1965 - year) * 3
    }
}
