/// The words of the event grammar as SWAR words: the spelling's first eight
/// bytes (and for long ops the next ones), little-endian, as
/// ``SWAR/word(_:count:)`` reads them from a line. `WordsTests` checks every
/// constant against its spelling.
enum Words {
    // Ops, by length: (first word, second word).
    static let free: UInt64 = 0x6565_7266
    static let sleep: UInt64 = 0x70_6565_6C73
    static let alloc: UInt64 = 0x63_6F6C_6C61
    static let await: UInt64 = 0x74_6961_7761
    static let acquire: UInt64 = 0x65_7269_7571_6361
    static let release: UInt64 = 0x65_7361_656C_6572
    static let irqsOn: UInt64 = 0x6E_6F2D_7371_7269
    static let barrier: UInt64 = 0x72_6569_7272_6162
    static let irqsOff: UInt64 = 0x6666_6F2D_7371_7269
    static let rcuLock: UInt64 = 0x6B63_6F6C_2D75_6372
    static let reclaimed: (UInt64, UInt64) = (0x656D_6961_6C63_6572, 0x64)
    static let lockInit: (UInt64, UInt64) = (0x696E_692D_6B63_6F6C, 0x74)
    static let lockFree: (UInt64, UInt64) = (0x6572_662D_6B63_6F6C, 0x65)
    static let preemptOn: (UInt64, UInt64) = (0x2D74_706D_6565_7270, 0x6E6F)
    static let rcuUnlock: (UInt64, UInt64) = (0x6F6C_6E75_2D75_6372, 0x6B63)
    static let deferFree: (UInt64, UInt64) = (0x7266_2D72_6566_6564, 0x6565)
    static let softirqsOn: (UInt64, UInt64) = (0x7371_7269_7466_6F73, 0x6E_6F2D)
    static let preemptOff: (UInt64, UInt64) = (0x2D74_706D_6565_7270, 0x66_666F)
    static let threadExit: (UInt64, UInt64) = (0x652D_6461_6572_6874, 0x74_6978)
    static let hardirqExit: (UInt64, UInt64) = (0x2D71_7269_6472_6168, 0x7469_7865)
    static let softirqExit: (UInt64, UInt64) = (0x2D71_7269_7466_6F73, 0x7469_7865)
    static let softirqsOff: (UInt64, UInt64) = (0x7371_7269_7466_6F73, 0x6666_6F2D)
    static let poolDestroy: (UInt64, UInt64) = (0x7365_642D_6C6F_6F70, 0x796F_7274)
    static let hardirqEnter: (UInt64, UInt64) = (0x2D71_7269_6472_6168, 0x72_6574_6E65)
    static let softirqEnter: (UInt64, UInt64) = (0x2D71_7269_7466_6F73, 0x72_6574_6E65)

    // Keys.
    static let sub: UInt64 = 0x62_7573
    static let ptr: UInt64 = 0x72_7470
    static let nest: UInt64 = 0x7473_656E
    static let pool: UInt64 = 0x6C6F_6F70
    static let what: UInt64 = 0x7461_6877
    static let stack: UInt64 = 0x6B_6361_7473

    // Flags.
    static let w: UInt64 = 0x77
    static let r: UInt64 = 0x72
    static let rr: UInt64 = 0x7272
    static let bh: UInt64 = 0x6862
    static let `try`: UInt64 = 0x79_7274
    static let sched: UInt64 = 0x64_6568_6373
    static let threaded: UInt64 = 0x6465_6461_6572_6874
    static let headless: UInt64 = 0x7373_656C_6461_6568
    static let task: UInt64 = 0x6B73_6174
    static let nonblock: UInt64 = 0x6B63_6F6C_626E_6F6E

    // Allocation flags.
    static let atomic: UInt64 = 0x6369_6D6F_7461
    static let nowait: UInt64 = 0x7469_6177_6F6E
    static let noLocks: UInt64 = 0x736B_636F_6C2D_6F6E
    static let mayBlock: (UInt64, UInt64) = (0x636F_6C62_2D79_616D, 0x6B)
}
