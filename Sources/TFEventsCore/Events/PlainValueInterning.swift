extension SummaryValues {
    /// Reads, from the current value, TensorFlow 1's plain simple values
    /// (``ProtoReader/skimPlainScalars(limit:tensors:_:)``, no tensors:
    /// their tags' metadata matters to the caller) and interns each tag
    /// in the same loop, writing each value's tag id and bits to `values`
    /// from index 0 (growing it when needed: it is reused, never emptied);
    /// returns how many it read. Stops at the
    /// first value of another shape, which ``next(into:)`` then reads.
    ///
    /// One call per event from another module: the loop, the shape test
    /// and the tag lookup are compiled together here, where a call per
    /// value to each cost an index build a quarter of its instructions.
    /// Results go to arrays, not to a closure: a closure capturing the
    /// caller's state cost more in exclusivity checks than it saved.
    ///
    /// - Parameters:
    ///   - position: the position of the next value in its event, for
    ///     `predicted`; advanced past the values read.
    package mutating func internPlainSimpleValues(tags: inout TagTable, predicted: inout TagPrediction,
                                                  position: inout Int,
                                                  values: inout [(tagID: Int32, bits: UInt32)]) -> Int {
        let start = position
        var index = position
        let read = reader.skimPlainScalars(limit: Self.maxValuesPerEvent &- returned, tensors: false) { tag, bits, _ in
            let entry = (Int32(truncatingIfNeeded: tags.intern(tag, predicted: &predicted, at: index)), bits)
            let slot = index &- start
            if slot < values.count { values[slot] = entry } else { values.append(entry) }
            index &+= 1
        }
        returned &+= read  // <= maxValuesPerEvent
        position = index
        return read
    }
}
