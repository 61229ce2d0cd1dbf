@testable import Instrumented
import XCTest

/// The one creation-site rule (``CreationSiteRule``) as the preload library
/// (``CreationSite``) applies it to pthread locks: which frames of a
/// creation stack are skipped, which leave a lock unvalidated, which name
/// it. The drop-in wrappers' side is in `WrapperClassTests`.
final class CreationSiteTests: XCTestCase {
    private typealias F = CreationSiteRule.Frame

    private func role(_ object: String, _ symbol: String?) -> CreationSiteRule.Role {
        CreationSiteRule.role(of: F(address: 1, object: object, isLockcheck: false, symbol: symbol))
    }

    func test_lockImplementationFrames_areSkippedAsWrappers() {
        for symbol in ["Foundation.NSLock.init() -> Foundation.NSLock",
                       "Foundation.NSRecursiveLock.init() -> Foundation.NSRecursiveLock",
                       "Foundation.NSCondition.init() -> Foundation.NSCondition",
                       "Foundation.NSLock.lock() -> ()",
                       "static NIOConcurrencyHelpers.LockStorage.create(value: A) -> NIOConcurrencyHelpers.LockStorage<A>",
                       "Logging.Lock.init() -> Logging.Lock",
                       "CoreMetrics.ReadWriteLock.init() -> CoreMetrics.ReadWriteLock"] {
            XCTAssertEqual(role("/usr/lib/libFoundation.so", symbol), .wrapper, symbol)
        }
        XCTAssertEqual(role("/lib/x86_64-linux-gnu/libc.so.6", "pthread_mutex_init"), .skipped)
        XCTAssertEqual(role("/srv/app", "thunk for @escaping @callee_guaranteed () -> ()"), .skipped)
        // The preload library's own frames.
        XCTAssertEqual(CreationSiteRule.role(of: F(address: 1, object: "/x/liblockcheck-preload.so", isLockcheck: true,
                                                   symbol: "lockcheck_preload_classify")), .skipped)
    }

    func test_applicationFrames_nameTheClass() {
        XCTAssertEqual(role("/srv/app", "App.makeAccounts() -> (App.Account, App.Account)"), .site)
        XCTAssertEqual(role("/srv/app", "make_locks"), .site)
        XCTAssertEqual(role("/srv/app", nil), .site)
        // A type whose name only contains a lock word is not a lock type.
        XCTAssertEqual(role("/srv/app", "App.LockerRoom.init() -> App.LockerRoom"), .site)
        XCTAssertEqual(role("/srv/app", "App.unlockAll()"), .site)
    }

    func test_runtimeFrames_leaveTheLockUnvalidated() {
        XCTAssertEqual(role("/opt/swift/usr/lib/swift/linux/libswiftCore.so", "_ZN5swift9StaticMutex4lockEv"), .runtime)
        XCTAssertEqual(role("/opt/swift/usr/lib/swift/linux/libdispatch.so", "_dispatch_once"), .runtime)
        XCTAssertEqual(role("/usr/lib/x86_64-linux-gnu/libunwind.so.8", nil), .runtime)
        XCTAssertEqual(role("/srv/app", "Instrumented._PthreadMutex.init(recursive: Swift.Bool)"), .runtime)
        // The standard library's Swift code is skipped, not a reason to ignore.
        XCTAssertEqual(role("/opt/swift/usr/lib/swift/linux/libswiftCore.so", "Swift.ManagedBuffer.create(minimumCapacity: Swift.Int)"),
                       .skipped)
    }

    /// The standard library's generic code, emitted into the program that
    /// uses it, is the standard library's: skipped, never the site. Seen in
    /// Hummingbird's tests under `lockcheck run`, where every `NIOLock` was
    /// one class named by this frame, and a `ConditionLock` nesting another
    /// `NIOLock` a false `recursive-lock`.
    func test_standardLibraryGenericsInTheProgram_areSkipped() {
        let frames = [
            F(address: 1, object: "/lib/x86_64-linux-gnu/libc.so.6", isLockcheck: false, symbol: "pthread_mutex_init"),
            F(address: 2, object: "/srv/appPackageTests.xctest", isLockcheck: false,
              symbol: "(extension in Swift):Swift.ManagedBuffer< where B: ~Swift.Copyable>.withUnsafeMutablePointers<A, B where A1: Swift.Error, B1: ~Swift.Copyable>((Swift.UnsafeMutablePointer<A>, Swift.UnsafeMutablePointer<B>) throws(A1) -> B1) throws(A1) -> B1"),
            F(address: 3, object: "/srv/appPackageTests.xctest", isLockcheck: false,
              symbol: "static NIOConcurrencyHelpers.LockStorage.create(value: A) -> NIOConcurrencyHelpers.LockStorage<A>"),
            F(address: 4, object: "/srv/appPackageTests.xctest", isLockcheck: false,
              symbol: "NIOPosix.NIOThreadPool.init(numberOfThreads: Swift.Int) -> NIOPosix.NIOThreadPool"),
        ]
        XCTAssertEqual(CreationSiteRule.role(of: frames[1]), .skipped)
        XCTAssertEqual(CreationSiteRule.site(in: frames), .site(index: 3, wrappersSkipped: 1))
        // A program's own closure, or function taking a standard library type, stays the program's.
        XCTAssertEqual(role("/srv/app", "closure #1 () -> () in App.makeAccounts() -> ()"), .site)
        XCTAssertEqual(role("/srv/app", "App.makeAccounts(count: Swift.Int) -> [App.Account]"), .site)
        XCTAssertEqual(role("/srv/app", "static Swift.Array.append(A) -> ()"), .skipped)
        XCTAssertEqual(role("/srv/app", "generic specialization <Swift.Int> of Swift.Array.append(A) -> ()"), .skipped)
    }

    /// An NSLock made by a project's own box, as the preload library sees it:
    /// the same stack gives the same site under the rule the drop-in wrappers use.
    func test_NSLockInsideAProjectBox_siteIsWhereTheBoxIsMade() {
        let frames = [
            F(address: 1, object: "/x/liblockcheck-preload.so", isLockcheck: true, symbol: "pthread_mutex_init"),
            F(address: 2, object: "/usr/lib/libFoundation.so", isLockcheck: false, symbol: "Foundation.NSLock.init() -> Foundation.NSLock"),
            F(address: 3, object: "/srv/app", isLockcheck: false, symbol: "App.AccountBox.init(Swift.Int) -> App.AccountBox"),
            F(address: 4, object: "/srv/app", isLockcheck: false, symbol: "App.makeAccounts() -> (App.AccountBox, App.AccountBox)"),
        ]
        XCTAssertEqual(CreationSiteRule.site(in: frames), .site(index: 3, wrappersSkipped: 2))
        let dispatched = [frames[0], F(address: 5, object: "/usr/lib/swift/linux/libdispatch.so", isLockcheck: false,
                                       symbol: "_dispatch_client_callout")]
        XCTAssertEqual(CreationSiteRule.site(in: dispatched), .runtime)
    }

    func test_classNames_areReadable() {
        XCTAssertEqual(CreationSite.className("App.makeAccounts() -> (App.Account, App.Account) (/src/App/main.swift:28)"),
                       "App.makeAccounts() (main.swift:28)")
        XCTAssertEqual(CreationSite.className("make_locks (/tmp/abba.c:6)"), "make_locks (abba.c:6)")
        // Without a line table the offset stays: two sites in one function stay two classes.
        XCTAssertEqual(CreationSite.className("make_locks + 0x1c (abba)"), "make_locks + 0x1c (abba)")
        XCTAssertEqual(CreationSite.className("closure #1 () -> () in App.run() (/src/main.swift:9)"),
                       "closure #1 () -> () in App.run() (main.swift:9)")
    }
}
