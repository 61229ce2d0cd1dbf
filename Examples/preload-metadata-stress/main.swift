// An unmodified program for `lockcheck run` (no lockcheck dependency): the
// issue 18 ordering between lockcheck's symbolizer lock and the Swift
// runtime's metadata locks. Eight threads, released together, each
// instantiate the same fresh generic metadata (W<W<…<Int>>>, Pair<…>,
// Box<…>: one new type per level, so threads race on each entry and the
// runtime takes its pthread locks and wait queues) while creating, nesting
// and destroying fresh pthread mutexes from program frames (each first seen
// creation site costs a symbol lookup under the symbolizer's lock).
//
// Before the fix a thread inside the runtime classified the runtime's lock
// by looking its libswiftCore frame up under the symbolizer's lock, while
// the lock's holder could be waiting for that thread's metadata.
// An alarm is the watchdog: a hang ends the process with SIGALRM.
//
// Usage: preload-metadata-stress [DEPTH]   (prints "done N")
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

struct W<T> { var t: T }
struct Pair<A, B> { var a: A; var b: B }
final class Box<T> { let value: T; init(_ value: T) { self.value = value } }

/// One new pthread mutex pair, nested, from this frame (a creation site of the program).
@inline(never)
func lockPair(_ counter: UnsafeMutablePointer<Int>) {
    let outer = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    let inner = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    pthread_mutex_init(outer, nil)
    pthread_mutex_init(inner, nil)
    pthread_mutex_lock(outer)
    pthread_mutex_lock(inner)
    counter.pointee += 1
    pthread_mutex_unlock(inner)
    pthread_mutex_unlock(outer)
    pthread_mutex_destroy(inner)
    pthread_mutex_destroy(outer)
    outer.deallocate()
    inner.deallocate()
}

/// A new generic type at each level (not specialised: the runtime instantiates it).
@inline(never)
func descend<T>(_ value: T, _ depth: Int, _ counter: UnsafeMutablePointer<Int>) {
    lockPair(counter)
    guard depth > 0 else { return }
    switch depth % 3 {
    case 0: descend(W(t: value), depth - 1, counter)
    case 1: descend(Pair(a: value, b: depth), depth - 1, counter)
    default: descend(Box(value), depth - 1, counter)
    }
}

/// The shared state of the threads (written before they start).
enum Stress {
    nonisolated(unsafe) static var depth = 60
    static let threads = 8
    nonisolated(unsafe) static var start = pthread_barrier_t()
    nonisolated(unsafe) static var counts = UnsafeMutablePointer<Int>.allocate(capacity: threads)
}

/// One thread: waits for the others, then descends.
nonisolated func worker(_ arg: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let i = Int(bitPattern: arg)
    pthread_barrier_wait(&Stress.start)
    // Odd threads start from another base type: distinct entries race too.
    if i % 2 == 0 { descend(i, Stress.depth, Stress.counts + i) } else { descend("t", Stress.depth, Stress.counts + i) }
    return nil
}

if CommandLine.arguments.count > 1, let d = Int(CommandLine.arguments[1]) { Stress.depth = d }
pthread_barrier_init(&Stress.start, nil, UInt32(Stress.threads))
Stress.counts.initialize(repeating: 0, count: Stress.threads)
alarm(20)  // the watchdog

var ids = [pthread_t](repeating: pthread_t(), count: Stress.threads)
for i in 0..<Stress.threads {
    let rc = pthread_create(&ids[i], nil, worker, UnsafeMutableRawPointer(bitPattern: i))
    precondition(rc == 0)
}
for id in ids { pthread_join(id, nil) }
print("done \((0..<Stress.threads).reduce(0) { $0 + Stress.counts[$1] })")
