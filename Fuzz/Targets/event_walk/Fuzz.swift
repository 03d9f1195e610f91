@_spi(Fuzzing) import _TFEventsFuzzing

/// libFuzzer entry point of the `event_walk` target (see ``FuzzTarget/eventWalk``).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.eventWalk.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
