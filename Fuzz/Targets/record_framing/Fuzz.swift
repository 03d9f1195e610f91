@_spi(Fuzzing) import _TFEventsFuzzing

/// libFuzzer entry point of the `record_framing` target (see ``FuzzTarget/recordFraming``).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.recordFraming.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
