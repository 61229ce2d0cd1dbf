/// A map from a producer's small integer ids to values: a dense array for ids
/// below 65,536 (the usual case, one bounds check per lookup) and a dictionary
/// for larger ones.
struct IDTable<Value> {
    private var dense: [Value?] = []
    private var sparse: [UInt64: Value] = [:]
    private static var denseLimit: UInt64 { 1 << 16 }

    @inline(__always)
    subscript(id: UInt64) -> Value? {
        get {
            if id < Self.denseLimit {
                let i = Int(id)
                return i < dense.count ? dense[i] : nil
            }
            return sparse[id]
        }
        set {
            if id < Self.denseLimit {
                let i = Int(id)
                if i >= dense.count { dense.append(contentsOf: repeatElement(nil, count: i + 1 - dense.count)) }
                dense[i] = newValue
            } else {
                sparse[id] = newValue
            }
        }
    }

    /// Every stored value.
    var values: [Value] { dense.compactMap { $0 } + Array(sparse.values) }
}
