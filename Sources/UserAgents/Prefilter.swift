/// Decides, in one pass over a user agent, which rules could match it, so that PCRE2 runs only on those.
///
/// Each rule's ``RequiredLiterals`` become groups (one per disjunction) of atoms (literals). One scan of the
/// lowercased subject finds every atom it contains: atoms are indexed by their first two bytes (a 64 Ki-bit
/// map says whether any atom starts with a pair, a table says which), and each candidate is compared in
/// full. An atom found marks its groups; a rule whose groups are all marked becomes a candidate. Rules with
/// no requirement are always candidates.
///
/// Not thread-safe: the scan writes scratch state (one prefilter per classifier, one classifier per thread).
final class Prefilter {
    /// Atoms shorter than this are not used (the index reads two bytes).
    static let minimumAtomLength = 2

    let ruleCount: Int
    /// Words of the candidate bit set.
    let wordCount: Int

    // Atoms: bytes back to back.
    private let atomBytes: UnsafeMutablePointer<UInt8>
    private let atomStart: UnsafeMutablePointer<Int32>
    private let atomLength: UnsafeMutablePointer<Int32>
    private let atomCount: Int
    /// Bit per two-byte prefix: whether some atom starts with it.
    private let prefixMap: UnsafeMutablePointer<UInt64>
    /// For prefix k, atoms `bucketAtoms[bucketStart[k] ..< bucketStart[k + 1]]`.
    private let bucketStart: UnsafeMutablePointer<Int32>
    private let bucketAtoms: UnsafeMutablePointer<Int32>
    /// For atom a, groups `atomGroups[atomGroupStart[a] ..< atomGroupStart[a + 1]]`.
    private let atomGroupStart: UnsafeMutablePointer<Int32>
    private let atomGroups: UnsafeMutablePointer<Int32>
    private let groupCount: Int
    private let groupRule: UnsafeMutablePointer<Int32>
    /// Groups a rule needs (0: none, always a candidate).
    private let ruleGroupCount: UnsafeMutablePointer<UInt8>

    // Scratch, stamped with `generation` so that nothing is cleared per scan.
    private var generation: UInt32 = 0
    private let atomSeen: UnsafeMutablePointer<UInt32>
    private let groupSeen: UnsafeMutablePointer<UInt32>
    private let ruleStamp: UnsafeMutablePointer<UInt32>
    private let ruleGroupsSeen: UnsafeMutablePointer<UInt8>
    /// Rules that need nothing: the starting point of every scan.
    private let alwaysCandidates: UnsafeMutablePointer<UInt64>
    /// The candidates of the last scan, a bit per rule.
    let candidates: UnsafeMutablePointer<UInt64>
    private var lowered: UnsafeMutablePointer<UInt8>
    private var loweredCapacity: Int

    /// Rules whose pattern gave no requirement (always run).
    let unfilteredRules: Int
    /// Distinct atoms in the index.
    var atoms: Int { atomCount }

    /// A prefilter for rules whose requirements are `requirements[i]` for rule `i`.
    init(requirements: [RequiredLiterals]) {
        ruleCount = requirements.count
        wordCount = (ruleCount + 63) / 64

        var atomIDs: [[UInt8]: Int] = [:]
        var atomList: [[UInt8]] = []
        var groupsOfAtom: [[Int32]] = []
        var groupOwner: [Int32] = []
        var needs = [UInt8](repeating: 0, count: ruleCount)
        for (rule, required) in requirements.enumerated() {
            for disjunction in required.allOf {
                let group = Int32(groupOwner.count)
                groupOwner.append(Int32(rule))
                needs[rule] += 1
                for atom in disjunction {
                    precondition(atom.count >= Self.minimumAtomLength)
                    let id: Int
                    if let known = atomIDs[atom] {
                        id = known
                    } else {
                        id = atomList.count
                        atomIDs[atom] = id
                        atomList.append(atom)
                        groupsOfAtom.append([])
                    }
                    if groupsOfAtom[id].last != group { groupsOfAtom[id].append(group) }
                }
            }
        }
        atomCount = atomList.count
        groupCount = groupOwner.count
        unfilteredRules = needs.filter { $0 == 0 }.count

        let totalBytes = atomList.reduce(0) { $0 + $1.count }
        atomBytes = .allocate(capacity: max(totalBytes, 1))
        atomStart = .allocate(capacity: max(atomCount, 1))
        atomLength = .allocate(capacity: max(atomCount, 1))
        var offset = 0
        for (id, atom) in atomList.enumerated() {
            atomStart[id] = Int32(offset)
            atomLength[id] = Int32(atom.count)
            for b in atom {
                atomBytes[offset] = b
                offset += 1
            }
        }

        prefixMap = .allocate(capacity: 1024)
        prefixMap.initialize(repeating: 0, count: 1024)
        bucketStart = .allocate(capacity: 65537)
        bucketStart.initialize(repeating: 0, count: 65537)
        for atom in atomList { bucketStart[Self.key(atom[0], atom[1]) + 1] += 1 }
        for k in 0..<65536 { bucketStart[k + 1] += bucketStart[k] }
        bucketAtoms = .allocate(capacity: max(atomCount, 1))
        var fill = [Int32](repeating: 0, count: 65536)
        for (id, atom) in atomList.enumerated() {
            let k = Self.key(atom[0], atom[1])
            bucketAtoms[Int(bucketStart[k] + fill[k])] = Int32(id)
            fill[k] += 1
            prefixMap[k >> 6] |= 1 << UInt64(k & 63)
        }

        let links = groupsOfAtom.reduce(0) { $0 + $1.count }
        atomGroupStart = .allocate(capacity: atomCount + 1)
        atomGroups = .allocate(capacity: max(links, 1))
        var link = 0
        for (id, groups) in groupsOfAtom.enumerated() {
            atomGroupStart[id] = Int32(link)
            for g in groups {
                atomGroups[link] = g
                link += 1
            }
        }
        atomGroupStart[atomCount] = Int32(link)
        groupRule = .allocate(capacity: max(groupCount, 1))
        for (g, rule) in groupOwner.enumerated() { groupRule[g] = rule }
        ruleGroupCount = .allocate(capacity: max(ruleCount, 1))
        for (rule, n) in needs.enumerated() { ruleGroupCount[rule] = n }

        atomSeen = .allocate(capacity: max(atomCount, 1))
        atomSeen.initialize(repeating: 0, count: max(atomCount, 1))
        groupSeen = .allocate(capacity: max(groupCount, 1))
        groupSeen.initialize(repeating: 0, count: max(groupCount, 1))
        ruleStamp = .allocate(capacity: max(ruleCount, 1))
        ruleStamp.initialize(repeating: 0, count: max(ruleCount, 1))
        ruleGroupsSeen = .allocate(capacity: max(ruleCount, 1))
        ruleGroupsSeen.initialize(repeating: 0, count: max(ruleCount, 1))
        alwaysCandidates = .allocate(capacity: max(wordCount, 1))
        alwaysCandidates.initialize(repeating: 0, count: max(wordCount, 1))
        for (rule, n) in needs.enumerated() where n == 0 {
            alwaysCandidates[rule >> 6] |= 1 << UInt64(rule & 63)
        }
        candidates = .allocate(capacity: max(wordCount, 1))
        candidates.initialize(repeating: 0, count: max(wordCount, 1))
        loweredCapacity = 1024
        lowered = .allocate(capacity: loweredCapacity)
    }

    deinit {
        atomBytes.deallocate()
        prefixMap.deallocate()
        lowered.deallocate()
        atomStart.deallocate()
        atomLength.deallocate()
        bucketStart.deallocate()
        bucketAtoms.deallocate()
        atomGroupStart.deallocate()
        atomGroups.deallocate()
        groupRule.deallocate()
        ruleGroupCount.deallocate()
        atomSeen.deallocate()
        groupSeen.deallocate()
        ruleStamp.deallocate()
        ruleGroupsSeen.deallocate()
        alwaysCandidates.deallocate()
        candidates.deallocate()
    }

    @inline(__always)
    static func key(_ a: UInt8, _ b: UInt8) -> Int {
        Int(a) | Int(b) << 8
    }

    /// Whether rule `index` is a candidate after the last ``scan(_:)``.
    @inline(__always)
    func isCandidate(_ index: Int) -> Bool {
        candidates[index >> 6] & (1 << UInt64(index & 63)) != 0
    }

    /// Finds the candidates for `subject` (into ``candidates``).
    func scan(_ subject: UnsafeRawBufferPointer) {
        generation &+= 1
        if generation == 0 {
            atomSeen.update(repeating: 0, count: max(atomCount, 1))
            groupSeen.update(repeating: 0, count: max(groupCount, 1))
            ruleStamp.update(repeating: 0, count: max(ruleCount, 1))
            generation = 1
        }
        candidates.update(from: alwaysCandidates, count: max(wordCount, 1))
        let n = subject.count
        guard n >= Self.minimumAtomLength else { return }
        if n > loweredCapacity {
            lowered.deallocate()
            loweredCapacity = max(n, loweredCapacity * 2)
            lowered = .allocate(capacity: loweredCapacity)
        }
        for k in 0..<n { lowered[k] = lower(subject[k]) }

        var previous = lowered[0]
        for position in 0..<(n - 1) {
            let next = lowered[position + 1]
            let k = Self.key(previous, next)
            previous = next
            guard prefixMap[k >> 6] & (1 << UInt64(k & 63)) != 0 else { continue }
            let rest = n - position
            var slot = Int(bucketStart[k])
            let end = Int(bucketStart[k + 1])
            while slot < end {
                let atom = Int(bucketAtoms[slot])
                slot += 1
                if atomSeen[atom] == generation { continue }
                let length = Int(atomLength[atom])
                guard length <= rest else { continue }
                let bytes = atomBytes + Int(atomStart[atom])
                var j = 2
                while j < length && bytes[j] == lowered[position + j] { j += 1 }
                if j == length { found(atom) }
            }
        }
    }

    private func found(_ atom: Int) {
        atomSeen[atom] = generation
        for link in Int(atomGroupStart[atom])..<Int(atomGroupStart[atom + 1]) {
            let group = Int(atomGroups[link])
            if groupSeen[group] == generation { continue }
            groupSeen[group] = generation
            let rule = Int(groupRule[group])
            if ruleStamp[rule] != generation {
                ruleStamp[rule] = generation
                ruleGroupsSeen[rule] = 0
            }
            ruleGroupsSeen[rule] += 1
            if ruleGroupsSeen[rule] == ruleGroupCount[rule] {
                candidates[rule >> 6] |= 1 << UInt64(rule & 63)
            }
        }
    }
}
