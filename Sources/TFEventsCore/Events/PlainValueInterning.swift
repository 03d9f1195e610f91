extension SummaryValues {
    /// Reads, from the current value, TensorFlow 1's plain simple values
    /// (``ProtoReader/skimPlainScalars(limit:tensors:_:)``, no tensors:
    /// their tags' metadata matters to the caller) and interns each tag
    /// in the same loop, writing the values' tag ids to `ids` and their
    /// bits to `bits` from index 0 (growing them when needed; they are
    /// reused, never emptied); returns how many it read. Stops at the
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
                                                  position: inout Int, ids: inout [Int32], bits: inout [UInt32]) -> Int {
        var index = position
        var count = 0
        let read = reader.skimPlainScalars(limit: Self.maxValuesPerEvent &- returned, tensors: false) { tag, value, _ in
            let id = Int32(truncatingIfNeeded: tags.intern(tag, predicted: &predicted, at: index))
            if count < ids.count, count < bits.count {
                ids[count] = id
                bits[count] = value
            } else {
                ids.append(id)
                bits.append(value)
            }
            count &+= 1
            index &+= 1
        }
        returned &+= read  // <= maxValuesPerEvent
        position = index
        return count
    }
}
