// The umbrella module: `import TFEvents` brings every public layer.
//
// Each layer is also a module of its own, for code that wants only part of
// the stack (a reader of TFRecord files needs only `TFRecord`). What each
// one owns is described in docs/ARCHITECTURE.md.

@_exported import TFEventsSystem
@_exported import TFRecord
@_exported import TFEventsCore
@_exported import TFEventsIndex
@_exported import TFEventsExport
@_exported import TFEventsReport
@_exported import TFEventsArrow
