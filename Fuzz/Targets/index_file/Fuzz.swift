@_spi(Fuzzing) import _TFEventsFuzzing

/// libFuzzer entry point of the `index_file` target (see ``FuzzTarget/indexFile``).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.indexFile.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
