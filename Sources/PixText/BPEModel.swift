// Byte-pair-encoding model with the semantics of `tokenizers`' BPE: initial symbols are the word's
// characters (with an optional continuing-subword prefix on all but the first and an end-of-word suffix on
// the last), unknown characters become byte tokens <0xNN> (byte fallback) or the unk token (fused or not),
// then merges are applied lowest rank first, leftmost first among equal ranks (a min-heap on (rank, pos)).

/// A BPE vocabulary and merge table.
struct BPEModel: Sendable {
    let vocab: [[UInt8]: Int32]
    /// (left id << 32 | right id) -> (rank, merged id)
    let merges: [UInt64: (rank: Int32, id: Int32)]
    let unkId: Int32?
    let fuseUnk: Bool
    let byteFallback: Bool
    let continuingPrefix: [UInt8]
    let endOfWordSuffix: [UInt8]
    let ignoreMerges: Bool
    /// Ids of <0x00>...<0xFF> when byte fallback is on.
    private let byteIds: [Int32?]

    init(vocab: [[UInt8]: Int32], merges: [([UInt8], [UInt8])], unkId: Int32?, fuseUnk: Bool,
         byteFallback: Bool, continuingPrefix: [UInt8] = [], endOfWordSuffix: [UInt8] = [],
         ignoreMerges: Bool = false, path: String) throws {
        self.vocab = vocab
        self.unkId = unkId
        self.fuseUnk = fuseUnk
        self.byteFallback = byteFallback
        self.continuingPrefix = continuingPrefix
        self.endOfWordSuffix = endOfWordSuffix
        self.ignoreMerges = ignoreMerges
        var table = [UInt64: (rank: Int32, id: Int32)](minimumCapacity: merges.count)
        for (rank, (a, b)) in merges.enumerated() {
            guard let ia = vocab[a], let ib = vocab[b] else {
                throw TokenizerError.malformed(path, "merge \(rank) uses a token missing from the vocab")
            }
            // The merged token drops the right side's continuing prefix.
            var joined = a
            if !continuingPrefix.isEmpty && b.starts(with: continuingPrefix) {
                joined.append(contentsOf: b[continuingPrefix.count...])
            } else {
                joined.append(contentsOf: b)
            }
            guard let ij = vocab[joined] else {
                throw TokenizerError.malformed(path, "merge \(rank) produces a token missing from the vocab")
            }
            let key = UInt64(UInt32(bitPattern: ia)) << 32 | UInt64(UInt32(bitPattern: ib))
            if table[key] == nil { table[key] = (Int32(rank), ij) }
        }
        self.merges = table
        var bytes = [Int32?](repeating: nil, count: 256)
        if byteFallback {
            let hex = Array("0123456789ABCDEF".utf8)
            for b in 0..<256 {
                let name: [UInt8] = Array("<0x".utf8) + [hex[b >> 4], hex[b & 15]] + Array(">".utf8)
                bytes[b] = vocab[name]
            }
        }
        self.byteIds = bytes
    }

    /// Tokenizes one pre-tokenized word given as its characters' UTF-8 byte strings.
    func encode(word chars: [[UInt8]], into out: inout [Int32]) {
        if chars.isEmpty { return }
        if ignoreMerges {
            var whole = chars.joined().map { $0 }
            whole.append(contentsOf: endOfWordSuffix)
            if let v = vocab[whole] { out.append(v); return }
        }
        var ids: [Int32] = []
        ids.reserveCapacity(chars.count)
        var pendingUnk = false
        var key: [UInt8] = []
        for (i, ch) in chars.enumerated() {
            key.removeAll(keepingCapacity: true)
            if i > 0 { key.append(contentsOf: continuingPrefix) }
            key.append(contentsOf: ch)
            if i == chars.count - 1 { key.append(contentsOf: endOfWordSuffix) }
            if let v = vocab[key] {
                if pendingUnk, let u = unkId { ids.append(u) }
                pendingUnk = false
                ids.append(v)
                continue
            }
            if byteFallback {
                let fb = key.map { byteIds[Int($0)] }
                if fb.allSatisfy({ $0 != nil }) {
                    // A pending unk stays pending across byte tokens, as in `tokenizers`.
                    ids.append(contentsOf: fb.compactMap { $0 })
                    continue
                }
            }
            if let u = unkId {
                if pendingUnk && !fuseUnk { ids.append(u) }
                pendingUnk = true
            }
        }
        if pendingUnk, let u = unkId { ids.append(u) }
        mergeAll(&ids)
        out.append(contentsOf: ids)
    }

    /// Applies merges to a symbol sequence in place.
    private func mergeAll(_ ids: inout [Int32]) {
        let n = ids.count
        if n < 2 || merges.isEmpty { return }
        var prev = [Int](0..<n).map { $0 - 1 }
        var next = [Int](0..<n).map { $0 + 1 }
        var alive = [Bool](repeating: true, count: n)
        var heap = MergeHeap()
        func pairKey(_ a: Int32, _ b: Int32) -> UInt64 {
            UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
        }
        for i in 0..<(n - 1) {
            if let m = merges[pairKey(ids[i], ids[i + 1])] { heap.push(rank: m.rank, pos: i, id: m.id) }
        }
        while let top = heap.pop() {
            let p = top.pos
            guard alive[p], next[p] < n else { continue }
            let r = next[p]
            guard let m = merges[pairKey(ids[p], ids[r])], m.id == top.id else { continue }  // stale entry
            ids[p] = m.id
            alive[r] = false
            next[p] = next[r]
            if next[r] < n { prev[next[r]] = p }
            if prev[p] >= 0, let m2 = merges[pairKey(ids[prev[p]], ids[p])] {
                heap.push(rank: m2.rank, pos: prev[p], id: m2.id)
            }
            if next[p] < n, let m3 = merges[pairKey(ids[p], ids[next[p]])] {
                heap.push(rank: m3.rank, pos: p, id: m3.id)
            }
        }
        var k = 0
        for i in 0..<n where alive[i] { ids[k] = ids[i]; k += 1 }
        ids.removeLast(n - k)
    }
}

/// Binary min-heap of pending merges ordered by (rank, position).
private struct MergeHeap {
    struct Item { var key: UInt64; var id: Int32; var pos: Int { Int(key & 0xFFFF_FFFF) } }
    private var items: [Item] = []

    mutating func push(rank: Int32, pos: Int, id: Int32) {
        items.append(Item(key: UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(pos), id: id))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if items[parent].key <= items[i].key { break }
            items.swapAt(parent, i)
            i = parent
        }
    }

    mutating func pop() -> Item? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if items.isEmpty { return first }
        items[0] = last
        var i = 0
        let n = items.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n && items[l].key < items[m].key { m = l }
            if r < n && items[r].key < items[m].key { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
        return first
    }
}
