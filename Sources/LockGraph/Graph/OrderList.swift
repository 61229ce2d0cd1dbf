/// Classes in one total order, each with an integer label that follows the
/// order, so that comparing two positions is comparing two integers, while a
/// class can be put right after any other in amortized O(log n): the
/// order-maintenance list of Bender, Cole, Demaine, Farach-Colton and Zito
/// ("Two simplified algorithms for maintaining order in a list", ESA 2002),
/// which Haeupler et al. use under their two-way incremental topological
/// order ("Incremental cycle detection, topological ordering, and strong
/// component maintenance", ACM TALG 8, 2012).
///
/// 1. Labels lie in 1 ..< 2^62, in list order; the list is doubly linked.
/// 2. A class put between two neighbours takes the middle of their gap
///    (an append or prepend at most 2^32 past its neighbour, so runs of
///    appends keep room).
/// 3. When the gap is gone, the smallest aligned label range around the
///    insertion point of size 2^i that holds at most 2^i / 1.5^i classes is
///    relabelled evenly. A range is dense enough to relabel only after many
///    insertions into it, which is what makes the relabelling amortized
///    O(log n) per insertion.
///
/// Not thread-safe; the ``TopologicalOrder`` that owns it runs under the
/// validator's graph lock. No recursion.
struct OrderList {
    static let none: Int32 = -1
    /// The label of a class not in the list.
    static let unlabeled = Int.min
    /// Labels lie below 2^labelBits; appends step at most 2^(labelBits / 2).
    private let labelBits: Int
    private let top: Int
    private let appendStep: Int

    /// An empty list. `labelBits` (62) is smaller only in tests, to make
    /// the relabelling frequent.
    init(labelBits: Int = 62) {
        self.labelBits = labelBits
        top = 1 << labelBits
        appendStep = 1 << (labelBits / 2)
    }

    /// Label per class; ``unlabeled`` for one not in the list.
    private(set) var label: [Int] = []
    private var next: [Int32] = []
    private var prev: [Int32] = []
    private(set) var first = none
    private(set) var last = none
    /// Labels given anew by step 3 so far (the relabelling's work, for tests).
    private(set) var relabelled = 0

    /// Whether `c` is in the list.
    func contains(_ c: Int32) -> Bool { Int(c) < label.count && label[Int(c)] != Self.unlabeled }

    /// The class before `c` (``none`` at the front).
    func predecessor(_ c: Int32) -> Int32 { prev[Int(c)] }

    /// Ensures the per-class arrays cover `slots` classes.
    mutating func grow(to slots: Int) {
        guard label.count < slots else { return }
        let more = slots - label.count
        label.append(contentsOf: repeatElement(Self.unlabeled, count: more))
        next.append(contentsOf: repeatElement(Self.none, count: more))
        prev.append(contentsOf: repeatElement(Self.none, count: more))
    }

    /// Puts `c` (not in the list) right after `a`, or at the front when `a`
    /// is ``none``.
    /// - Complexity: Amortized O(log n).
    mutating func insert(_ c: Int32, after a: Int32) {
        var (low, high) = gap(after: a)
        if high - low < 2 {
            relabel(around: a)
            (low, high) = gap(after: a)
        }
        let width = high - low
        let b = a == Self.none ? first : next[Int(a)]
        let step: Int
        if b == Self.none {
            step = min(width / 2, appendStep)
        } else if a == Self.none {
            step = width - min(width / 2, appendStep)
        } else {
            step = width / 2
        }
        label[Int(c)] = low + step
        prev[Int(c)] = a
        next[Int(c)] = b
        if a == Self.none { first = c } else { next[Int(a)] = c }
        if b == Self.none { last = c } else { prev[Int(b)] = c }
    }

    /// Takes `c` out of the list.
    /// - Complexity: O(1).
    mutating func remove(_ c: Int32) {
        let a = prev[Int(c)], b = next[Int(c)]
        if a == Self.none { first = b } else { next[Int(a)] = b }
        if b == Self.none { last = a } else { prev[Int(b)] = a }
        label[Int(c)] = Self.unlabeled
        prev[Int(c)] = Self.none
        next[Int(c)] = Self.none
    }

    /// The labels around the place right after `a` (0 and 2^62 at the ends).
    private func gap(after a: Int32) -> (Int, Int) {
        let b = a == Self.none ? first : next[Int(a)]
        return (a == Self.none ? 0 : label[Int(a)], b == Self.none ? top : label[Int(b)])
    }

    /// Step 3: spreads the classes of the smallest sparse enough range
    /// around `a` evenly over it, which leaves a gap after `a`.
    private mutating func relabel(around a: Int32) {
        let center = a == Self.none ? 0 : label[Int(a)]
        var i = 1
        var threshold = 1.5  // 1.5^i
        while true {
            let size = 1 << i
            let lo = center & ~(size - 1), hi = lo + size
            var start = a == Self.none ? first : a
            if a != Self.none {
                while prev[Int(start)] != Self.none && label[Int(prev[Int(start)])] >= lo { start = prev[Int(start)] }
            }
            var count = 0
            var c = start
            while c != Self.none && label[Int(c)] < hi {
                count += 1
                c = next[Int(c)]
            }
            if i >= labelBits || Double(count + 1) * threshold <= Double(size) {
                let from = max(lo, 1), to = min(hi, top)
                let spacing = (to - from) / (count + 1)
                c = start
                var k = 1
                while k <= count {
                    label[Int(c)] = from + spacing * k
                    c = next[Int(c)]
                    k += 1
                }
                relabelled += count
                return
            }
            i += 1
            threshold *= 1.5
        }
    }

    /// The first broken invariant (tests only): labels rise along the list,
    /// and the list holds exactly the labelled classes.
    func brokenInvariant() -> String? {
        var seen = 0
        var c = first, before = Self.none, previous = 0
        while c != Self.none {
            if prev[Int(c)] != before { return "class \(c)'s predecessor is \(prev[Int(c)]), not \(before)" }
            if !(label[Int(c)] > previous && label[Int(c)] < top) { return "class \(c)'s label \(label[Int(c)]) after \(previous)" }
            previous = label[Int(c)]
            seen += 1
            before = c
            c = next[Int(c)]
        }
        if before != last { return "the list ends at \(before), not at \(last)" }
        let labelled = label.filter { $0 != Self.unlabeled }.count
        return seen == labelled ? nil : "\(labelled) classes labelled, \(seen) in the list"
    }
}
