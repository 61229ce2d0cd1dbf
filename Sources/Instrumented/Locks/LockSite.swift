#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented
import LockGraph

/// Where code takes a lock: the caller's `#fileID` and `#line`, which every
/// lock entry point takes as defaulted `file:` and `line:` arguments, as
/// swift-nio's and XCTest's functions do, so callers write nothing.
///
/// A lock keeps the site of its current exclusive holder in one word of its
/// own (the holder mark of a mutex or spinlock, a word beside it for a
/// reader/writer or recursive lock), stored by the thread that just took
/// the lock and cleared before it releases it. A thread that waits too long
/// (`lock-wait-timeout`), or is deadlocked (`deadlock`), reads it from the
/// lock: "the holder took Config.lock at Loader/Config.swift:42", exact in
/// debug and release builds alike, where a stack per acquisition would cost
/// the lock path far more (lockcheck keeps stacks only per new dependency).
///
/// The word is the address of the `#fileID` string (a constant of the
/// caller's binary) in its low 48 bits and the line in the 15 bits above,
/// so that it is positive, as a holder mark must be, and one store writes
/// both consistently. A line past 32767 keeps the file alone. `1` means
/// "held, site unknown": a lock taken through NSLocking's `lock()`, the
/// `lockcheck run` preload library or C code.
public struct LockSite: Sendable {
    /// The encoded site (see the type's documentation).
    @usableFromInline let word: Int64

    /// The site of the caller.
    /// - Complexity: O(1); constants folded where the call is inlined.
    @inlinable @inline(__always)
    public init(file: StaticString = #fileID, line: UInt = #line) {
        word = Self.encode(file, line)
    }

    @inlinable @inline(__always)
    init(word: Int64) { self.word = word }

    /// No site: the lock was taken by code that gives none.
    /// - Complexity: O(1).
    @inlinable public static var unknown: LockSite { LockSite(word: 1) }

    @inlinable static var addressBits: Int64 { 48 }
    @inlinable static var lineLimit: UInt { 1 << 15 }

    @inlinable @inline(__always)
    static func encode(_ file: StaticString, _ line: UInt) -> Int64 {
        guard file.hasPointerRepresentation else { return 1 }
        let address = Int64(Int(bitPattern: file.utf8Start))
        return line < lineLimit ? address | Int64(line) << addressBits : address
    }

    /// The file and line a site word names; nil for `0` (not held), `1`
    /// (unknown), or a word whose address is not in a loaded object (a
    /// word torn or garbled by a bug elsewhere is never dereferenced blindly).
    /// - Complexity: One `dladdr(3)` and a bounded string scan.
    static func decode(_ word: Int64) -> (file: String, line: Int?)? {
        guard word >= 1 << 16 else { return nil }
        let address = UInt(word & (1 << addressBits - 1))
        guard let p = UnsafeRawPointer(bitPattern: address) else { return nil }
        var object: UnsafePointer<CChar>?, symbol: UnsafePointer<CChar>?
        var base: UInt = 0, symbolAddress: UInt = 0
        guard lc_symbol_info(p, &object, &base, &symbol, &symbolAddress) != 0 else { return nil }
        let limit = 1024
        let length = strnlen(p.assumingMemoryBound(to: CChar.self), limit)
        guard length > 0 && length < limit else { return nil }
        let file = String(decoding: UnsafeRawBufferPointer(start: p, count: length), as: UTF8.self)
        let line = Int(word >> addressBits)
        return (file, line == 0 ? nil : line)
    }

    /// Whether a lock of `kind` keeps its holder's site in its holder mark
    /// (it admits one holder at a time) rather than in
    /// ``LockInstance/exclusiveSiteWords``.
    static func inMark(_ kind: LockKind) -> Bool { !kind.isReaderWriter && kind != .recursiveMutex }

    // MARK: A lock without a holder mark (reader/writer, recursive)

    /// After an exclusive acquisition of a lock without a holder mark: the
    /// first (outermost) one stores `site`, inner ones count the depth.
    /// - Complexity: Two relaxed loads or stores; the holder alone writes.
    @inlinable @inline(__always)
    static func noteExclusive(_ site: LockSite, words: UnsafeMutablePointer<Int64>) {
        let depth = lc_load_relaxed_i64(words + 1)
        lc_store_relaxed_i64(words + 1, depth &+ 1)
        if depth == 0 { lc_store_relaxed_i64(words, site.word) }
    }

    /// Before any release of a lock without a holder mark: the outermost
    /// exclusive release clears the site. A reader's release finds depth 0
    /// (no writer holds the lock while it does) and writes nothing.
    /// - Complexity: One relaxed load; two stores at an exclusive release.
    @inlinable @inline(__always)
    static func noteRelease(words: UnsafeMutablePointer<Int64>) {
        let depth = lc_load_relaxed_i64(words + 1)
        guard depth > 0 else { return }
        lc_store_relaxed_i64(words + 1, depth &- 1)
        if depth == 1 { lc_store_relaxed_i64(words, 0) }
    }
}

extension LockInstance {
    /// Where this lock's current exclusive holder took it, as a report
    /// gives it (seq 0: the acquisition's place in the event order is not
    /// kept), or nil when no holder, a reader, or a holder that gave no site.
    /// A racy read: call it while the lock is held, and check the holder
    /// did not change around it if that matters.
    /// - Complexity: One relaxed load, then ``LockSite/decode(_:)``.
    var holderSite: Violation.SiteInfo? {
        let word = lc_load_relaxed_i64(LockSite.inMark(kind) ? exclusiveHolderMark : exclusiveSiteWords)
        guard let (file, line) = LockSite.decode(word) else { return nil }
        return Violation.SiteInfo(seq: 0, file: file, line: line, stack: [])
    }
}
