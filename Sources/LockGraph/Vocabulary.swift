// The shared vocabulary (lock kinds, wait types, acquire modes, allocation
// flags, RCU flavours, irq states) is part of the engine's API: its
// operations take and report these types. It is re-exported, as swift-nio's
// `NIO` re-exports `NIOCore`, so `import LockGraph` is enough to use them.
@_exported import LockVocabulary
