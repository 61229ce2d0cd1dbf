@testable import Instrumented
import XCTest

/// The preload library's class rule (``CreationSite``): which frames of a
/// creation stack are skipped, which make a lock unvalidated, which name it.
final class CreationSiteTests: XCTestCase {
    func test_lockImplementationFrames_areSkipped() {
        for symbol in ["Foundation.NSLock.init() -> Foundation.NSLock",
                       "Foundation.NSRecursiveLock.init() -> Foundation.NSRecursiveLock",
                       "Foundation.NSCondition.init() -> Foundation.NSCondition",
                       "static NIOConcurrencyHelpers.LockStorage.create(value: A) -> NIOConcurrencyHelpers.LockStorage<A>",
                       "Logging.Lock.init() -> Logging.Lock",
                       "CoreMetrics.ReadWriteLock.init() -> CoreMetrics.ReadWriteLock"] {
            XCTAssertEqual(CreationSite.frameRule(object: "/usr/lib/libFoundation.so", symbol: symbol), .skip, symbol)
        }
        XCTAssertEqual(CreationSite.frameRule(object: "/lib/x86_64-linux-gnu/libc.so.6", symbol: "pthread_mutex_init"), .skip)
    }

    func test_applicationFrames_nameTheClass() {
        XCTAssertEqual(CreationSite.frameRule(object: "/srv/app", symbol: "App.makeAccounts() -> (App.Account, App.Account)"), .name)
        XCTAssertEqual(CreationSite.frameRule(object: "/srv/app", symbol: "make_locks"), .name)
        XCTAssertEqual(CreationSite.frameRule(object: "/srv/app", symbol: nil), .name)
        // A type whose name only contains a lock word is not a lock implementation.
        XCTAssertFalse(CreationSite.isLockImplementation("App.LockerRoom.init() -> App.LockerRoom"))
        XCTAssertFalse(CreationSite.isLockImplementation("App.unlockAll()"))
    }

    func test_runtimeFrames_leaveTheLockUnvalidated() {
        XCTAssertEqual(CreationSite.frameRule(object: "/opt/swift/usr/lib/swift/linux/libswiftCore.so",
                                              symbol: "_ZN5swift9StaticMutex4lockEv"), .ignore)
        XCTAssertEqual(CreationSite.frameRule(object: "/opt/swift/usr/lib/swift/linux/libdispatch.so", symbol: "_dispatch_once"), .ignore)
        XCTAssertEqual(CreationSite.frameRule(object: "/usr/lib/x86_64-linux-gnu/libunwind.so.8", symbol: nil), .ignore)
        XCTAssertEqual(CreationSite.frameRule(object: "/srv/app", symbol: "Instrumented._PthreadMutex.init(recursive: Swift.Bool)"), .ignore)
        // The standard library's Swift code is skipped, not a reason to ignore.
        XCTAssertEqual(CreationSite.frameRule(object: "/opt/swift/usr/lib/swift/linux/libswiftCore.so",
                                              symbol: "Swift.ManagedBuffer.create(minimumCapacity: Swift.Int)"), .skip)
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
