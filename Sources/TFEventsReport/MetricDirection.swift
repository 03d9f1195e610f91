import TFEventsIndex

/// Which way is better for a tag, for the "best value" of a run: larger
/// for accuracy-like tags, smaller for everything else (losses, errors).
/// The report's column headers say which was used (↑ max, ↓ min).
package enum MetricDirection {
    /// Words (whole parts of a tag, or their starts) that mean larger is better.
    static let higherWords = ["acc", "auc", "precision", "recall", "f1", "fscore", "bleu", "rouge", "meteor", "map",
                              "iou", "miou", "dice", "score", "reward", "return", "r2", "top1", "top5", "hit", "hits",
                              "ndcg", "mrr", "psnr", "ssim", "sec", "throughput", "correct", "kappa", "mcc"]

    /// Whether a larger value of `tag` is better; `goal` (the report's
    /// options) decides for its own metric.
    package static func higherIsBetter(tag: String, goal: MetricGoal?) -> Bool {
        if let goal, tag == goal.metric { return goal.higherIsBetter }
        let lower = tag.lowercased()
        let words = lower.split(whereSeparator: { !($0.isLetter || $0.isNumber) })
        if words.contains(where: { word in higherWords.contains { word.hasPrefix($0) } && !word.hasPrefix("mape") }) {
            return !words.contains { $0.hasPrefix("loss") || $0.hasPrefix("err") }
        }
        return false
    }
}
