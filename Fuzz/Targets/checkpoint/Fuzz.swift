@_spi(Fuzzing) import _TFEventsFuzzing

/// libFuzzer entry point of the `checkpoint` target (see ``FuzzTarget/checkpoint``).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.checkpoint.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
