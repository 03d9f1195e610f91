import Foundation
import Testing
@testable import TFEventsCore
import TFEventsSynthetic

/// The tag table gives every distinct tag one dense id, in order of first
/// appearance, whatever path a lookup takes (the successor guess, the
/// direct-mapped cache, the hash table, a rehash).
@Suite("Tag table")
struct TagTableTests {
    @Test("random events of random tag subsets: the ids a dictionary would give, through every lookup path")
    func idsMatchADictionary() {
        var rng = SplitMix64(seed: 77)
        // Names that collide in a small cache, lengths 0 to 40, shared
        // prefixes and suffixes, non-ASCII.
        var names = ["", "a", "loss", "precision", "recall", "average_loss", "accuracy", "auc", "global_step",
                     "metrics/loss", "metrics/loss2", "ünïcode/タグ", String(repeating: "x", count: 40)]
        for i in 0 ..< 300 { names.append("tag_\(i)_" + String(repeating: "y", count: i % 17)) }
        var table = TagTable()
        var prediction = TagPrediction()
        var reference: [String: Int] = [:]
        var hits = 0
        for event in 0 ..< 20_000 {
            // Mostly a fixed order with some tags missing; sometimes shuffled.
            let pool = event < 10_000 ? Array(names.prefix(12)) : names
            var chosen = pool.filter { _ in Int.random(in: 0 ..< 10, using: &rng) < 7 }
            if event % 5 == 0 { chosen.shuffle(using: &rng) }
            for (index, name) in chosen.enumerated() {
                let expected = reference[name] ?? reference.count
                reference[name] = expected
                var bytes = name
                bytes.makeContiguousUTF8()
                let id = table.intern(bytes.utf8.span.bytes, predicted: &prediction, at: index)
                #expect(id == expected, "event \(event) position \(index): \(name) got \(id), expected \(expected)")
                if id == expected { hits += 1 }
            }
        }
        #expect(table.count == reference.count)
        for (name, id) in reference {
            #expect(table.tag(id) == name)
            #expect(table.lookup(name) == id)
            #expect(table.intern(name) == id)
        }
        #expect(table.lookup("never seen") == nil)
        #expect(hits > 100_000)
    }

    /// How often the guess, or a step past it along the learnt order, was
    /// right over `events` (lists of tag ids), learning as it goes as the
    /// table's lookup does.
    static func hitRate(_ events: [[Int]]) -> Double {
        var prediction = TagPrediction()
        var hits = 0, total = 0
        for event in events {
            for (index, id) in event.enumerated() {
                total += 1
                if prediction.find(at: index, where: { $0 == id }) != nil {
                    hits += 1
                } else {
                    prediction.remember(id, at: index)
                }
            }
        }
        return Double(hits) / Double(max(1, total))
    }

    @Test("the guess learns one-value events cycling through their tags (TF2, Keras, PyTorch), whole evaluations, and tags added every N steps")
    func predictionShapes() {
        // Keras: epoch_accuracy, epoch_loss, epoch_learning_rate, each its
        // own event (the first of an event follows the last of the one before).
        let cycling = (0 ..< 3_000).map { [$0 % 3] }
        #expect(Self.hitRate(cycling) > 0.99)
        // Estimator evaluations: every metric in every event, in one order.
        let evaluations = (0 ..< 1_000).map { _ in Array(0 ..< 8) }
        #expect(Self.hitRate(evaluations) > 0.99)
        // A training loop: loss every step, two more tags every 100 steps.
        let training = (0 ..< 10_000).map { $0 % 100 == 99 ? [0, 1, 2] : [0] }
        #expect(Self.hitRate(training) > 0.97)
        // PyTorch's add_scalar for two metrics per step, an eval metric
        // every 50 steps.
        let pytorch = (0 ..< 10_000).flatMap { step in step % 50 == 49 ? [[0], [1], [2]] : [[0], [1]] }
        #expect(Self.hitRate(pytorch) > 0.95)
    }

    @Test("evaluations that leave out some of their metrics, kept in one order: found a step or two past the guess")
    func skippedMetrics() {
        // Ten metrics in a fixed order, each present with probability 0.6
        // (the generated eval logs keep 1 to 8 of them). Guessing only the
        // successor of the previous tag, the learnt order thrashes; following
        // the guess three steps finds most of them.
        var random = SplitMix64(seed: 3)
        let events = (0 ..< 5_000).map { _ in (0 ..< 10).filter { _ in random.nextInt(below: 10) < 6 } }
        #expect(Self.hitRate(events) > 0.85)
        var guessOnly = TagPrediction()
        var hits = 0, total = 0
        for event in events {
            for (index, id) in event.enumerated() {
                total += 1
                if guessOnly.guess(at: index) == id { hits += 1; guessOnly.confirm(id) } else { guessOnly.remember(id, at: index) }
            }
        }
        #expect(Double(hits) / Double(total) < 0.7)  // what the walk adds
    }

    @Test("a tag key matches exactly its own bytes: every length to 40, one byte changed at every position, other lengths")
    func tagKeys() {
        var random = SplitMix64(seed: 9)
        for length in 0 ... 40 {
            let tag = String((0 ..< length).map { _ in Character(UnicodeScalar(UInt8(97 + random.nextInt(below: 26)))) })
            let key = TagKey(tag)
            var same = tag
            same.makeContiguousUTF8()
            let matchesItself = key.matches(same.utf8.span.bytes)
            #expect(matchesItself, "\(tag)")
            let bytes = Array(tag.utf8)
            for position in 0 ..< length {
                var changed = bytes
                changed[position] ^= 0x20
                let matchesChanged = key.matches(changed.span.bytes)
                #expect(!matchesChanged, "\(tag) changed at \(position)")
            }
            for other in [Array(bytes.dropLast()), bytes + [97], [UInt8](repeating: 97, count: length + 8)] where other != bytes {
                let matchesOther = key.matches(other.span.bytes)
                #expect(!matchesOther, "\(tag) against \(other.count) bytes")
            }
        }
        let empty = TagKey("").matches([UInt8]().span.bytes)
        let nonASCII = TagKey("lösś").matches(Array("lösś".utf8).span.bytes)
        #expect(empty && nonASCII)
    }
}
