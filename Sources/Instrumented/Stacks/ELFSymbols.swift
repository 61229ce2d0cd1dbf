#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The function symbols of one ELF object (its `.symtab`, or `.dynsym` when
/// stripped), sorted by address, read once from the file.
///
/// dladdr(3) sees only exported symbols, and Swift executables export almost
/// none, so the symbolizer reads the static symbol table itself. 64-bit
/// little-endian ELF only (x86_64, aarch64).
final class ELFSymbols {
    private struct Symbol {
        var value: UInt64
        var size: UInt64
        var name: UInt32
    }

    private let mapping: UnsafeRawPointer
    private let mappingSize: Int
    private var symbols: [Symbol] = []
    private var strtab = 0
    private var strtabSize = 0
    /// Subtract from a runtime address to get a symbol value.
    private let bias: UInt64

    /// Reads the object at `path`, loaded at `base`.
    /// - Complexity: O(symbols · log symbols) once.
    init?(path: String, base: UInt) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 64 else { return nil }
        let size = Int(st.st_size)
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else { return nil }
        mapping = UnsafeRawPointer(p)
        mappingSize = size
        let m = mapping
        func u16(_ o: Int) -> UInt16 { m.loadUnaligned(fromByteOffset: o, as: UInt16.self) }
        func u32(_ o: Int) -> UInt32 { m.loadUnaligned(fromByteOffset: o, as: UInt32.self) }
        func u64(_ o: Int) -> UInt64 { m.loadUnaligned(fromByteOffset: o, as: UInt64.self) }
        // \x7fELF, ELFCLASS64, ELFDATA2LSB
        guard u32(0) == 0x464C_457F, m.load(fromByteOffset: 4, as: UInt8.self) == 2,
              m.load(fromByteOffset: 5, as: UInt8.self) == 1 else {
            munmap(p, size)
            return nil
        }
        let type = u16(16)
        let phoff = Int(u64(32)), phentsize = Int(u16(54)), phnum = Int(u16(56))
        let shoff = Int(u64(40)), shentsize = Int(u16(58)), shnum = Int(u16(60))
        var minVaddr = UInt64.max
        for i in 0..<phnum where phoff + (i + 1) * phentsize <= size {
            let ph = phoff + i * phentsize
            if u32(ph) == 1 { minVaddr = min(minVaddr, u64(ph + 16) & ~0xFFF) }  // PT_LOAD
        }
        bias = type == 3 ? UInt64(base) &- (minVaddr == .max ? 0 : minVaddr) : 0  // ET_DYN
        // Prefer .symtab (SHT_SYMTAB = 2) over .dynsym (SHT_DYNSYM = 11).
        var chosen: Int?
        for wanted: UInt32 in [2, 11] where chosen == nil {
            for i in 0..<shnum where shoff + (i + 1) * shentsize <= size {
                if u32(shoff + i * shentsize + 4) == wanted { chosen = i; break }
            }
        }
        guard let s = chosen else { return }
        let sh = shoff + s * shentsize
        let symOff = Int(u64(sh + 24)), symSize = Int(u64(sh + 32)), link = Int(u32(sh + 40))
        guard link < shnum, symOff + symSize <= size else { return }
        let strSh = shoff + link * shentsize
        strtab = Int(u64(strSh + 24))
        strtabSize = Int(u64(strSh + 32))
        guard strtab + strtabSize <= size else { return }
        var list: [Symbol] = []
        list.reserveCapacity(symSize / 24)
        var o = symOff
        while o + 24 <= symOff + symSize {
            let info = m.load(fromByteOffset: o + 4, as: UInt8.self)
            let value = u64(o + 8)
            if info & 0xF == 2, value != 0 {  // STT_FUNC
                list.append(Symbol(value: value, size: u64(o + 16), name: u32(o)))
            }
            o += 24
        }
        list.sort { $0.value < $1.value }
        symbols = list
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: mapping), mappingSize) }

    /// `address` as an address in the object file (what its DWARF and symbol table use).
    func fileAddress(_ address: UInt) -> UInt64 { UInt64(address) &- bias }

    /// The (mangled) name of the function containing `address` and the offset into it.
    /// - Complexity: O(log symbols).
    func lookup(_ address: UInt) -> (name: String, offset: UInt64)? {
        let value = UInt64(address) &- bias
        var lo = 0, hi = symbols.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if symbols[mid].value <= value { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let s = symbols[lo - 1]
        if s.size != 0 && value >= s.value + s.size { return nil }
        guard Int(s.name) < strtabSize else { return nil }
        let name = String(cString: (mapping + strtab + Int(s.name)).assumingMemoryBound(to: CChar.self))
        return (name, value - s.value)
    }
}
