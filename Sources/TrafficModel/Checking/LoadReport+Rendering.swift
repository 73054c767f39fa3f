import Foundation

extension LoadReport {
    /// The report as JSON with sorted keys (the `--report` file).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// A plain-text table for a terminal.
    public func table() -> String {
        var lines: [String] = []
        func row(_ label: String, _ value: String) {
            lines.append(label.padding(toLength: 22, withPad: " ", startingAt: 0) + value)
        }
        row("run", runId)
        row("result", passed ? "PASSED" : "FAILED")
        row("sent", "\(sent)" + (sendFailures > 0 ? " (\(sendFailures) not delivered)" : ""))
        row("outcomes", "\(outcomes)")
        row("lost", "\(lost)")
        row("duplicates", "\(duplicates)")
        row("correct", "\(correct)")
        row("incorrect", "\(incorrect)")
        row("expired/unavailable", "\(transient) (allowed where the population database was needed)")
        if unchecked > 0 { row("unchecked", "\(unchecked) (replayed without expectation)") }
        if expectedDeadLetters > 0 { row("dead letters", "\(expectedDeadLetters) (no outcome expected)") }
        row("throughput", "\(Self.decimal(sentPerSecond)) sent/s, \(Self.decimal(outcomesPerSecond)) outcomes/s")
        row(
            "latency ms",
            "p50 \(Self.decimal(latencyMs.p50))  p90 \(Self.decimal(latencyMs.p90))  p99 \(Self.decimal(latencyMs.p99))  "
                + "p99.9 \(Self.decimal(latencyMs.p999))  max \(Self.decimal(latencyMs.max))"
        )
        row("duration", "\(Self.decimal(durationSeconds)) s")
        lines.append("")
        lines.append(
            "by status: " + byStatus.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        )
        for (title, groups) in [("portal", byPortal), ("channel", byChannel)] {
            lines.append("")
            lines.append(
                title.padding(toLength: 12, withPad: " ", startingAt: 0)
                    + ["sent", "outcomes", "correct", "incorrect", "lost"].map { $0.leftAligned(10) }.joined()
            )
            for (name, counts) in groups.sorted(by: { $0.key < $1.key }) {
                lines.append(
                    name.padding(toLength: 12, withPad: " ", startingAt: 0)
                        + [counts.sent, counts.outcomes, counts.correct, counts.incorrect, counts.lost]
                        .map { "\($0)".leftAligned(10) }.joined()
                )
            }
        }
        if !incorrectExamples.isEmpty {
            lines.append("")
            lines.append("incorrect outcomes (first \(incorrectExamples.count)):")
            for example in incorrectExamples {
                lines.append(
                    "  \(example.requestId) [\(example.portal), \(example.kind ?? "replayed")]: \(example.reason)"
                )
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A self-contained page (inline SVG, no scripts or network) with throughput and latency over
    /// time and outcomes by portal and status.
    public func html() -> String {
        let seconds = timeline.map { Double($0.second) }
        let charts = [
            Chart.lines(
                title: "Throughput per second",
                x: seconds,
                series: [
                    ("sent", "#1f77b4", timeline.map { Double($0.sent) }),
                    ("outcomes", "#2ca02c", timeline.map { Double($0.outcomes) }),
                ]
            ),
            Chart.lines(
                title: "Latency per second (ms, by receive time)",
                x: seconds,
                series: [
                    ("mean", "#ff7f0e", timeline.map(\.meanLatencyMs)),
                    ("max", "#d62728", timeline.map(\.maxLatencyMs)),
                ]
            ),
            Chart.bars(
                title: "Outcomes by portal",
                byPortal.sorted { $0.key < $1.key }.map { ($0.key, Double($0.value.outcomes)) }
            ),
            Chart.bars(
                title: "Outcomes by status",
                byStatus.sorted { $0.key < $1.key }.map { ($0.key, Double($0.value)) }
            ),
        ]
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>dancu-load \(Self.escape(runId))</title>
            <style>body{font-family:sans-serif;margin:2em;color:#222}pre{background:#f6f6f6;padding:1em}
            .verdict{font-size:1.4em;font-weight:bold;color:\(passed ? "#2ca02c" : "#d62728")}svg{margin:1em 0;display:block}</style>
            </head><body>
            <h1>dancu-load run \(Self.escape(runId))</h1>
            <p class="verdict">\(passed ? "PASSED" : "FAILED")</p>
            \(charts.joined(separator: "\n"))
            <h2>Report</h2>
            <pre>\(Self.escape(table()))</pre>
            </body></html>
            """
    }

    static func decimal(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}

/// Inline SVG charts, small enough to read in a diff.
private enum Chart {
    static let width = 720.0
    static let height = 220.0
    static let margin = 40.0

    static func lines(title: String, x: [Double], series: [(String, String, [Double])]) -> String {
        let maxX = max(x.max() ?? 1, 1)
        let maxY = max(series.flatMap(\.2).max() ?? 1, 1)
        let plots = series.map { name, color, values in
            let points = zip(x, values).map { "\(px($0, maxX)),\(py($1, maxY))" }.joined(separator: " ")
            return
                "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points)\"><title>\(name)</title></polyline>"
        }
        let legend = series.enumerated().map { index, entry in
            "<text x=\"\(margin + Double(index) * 120)\" y=\"\(height - 5)\" fill=\"\(entry.1)\">■ \(entry.0)</text>"
        }
        return frame(title: title, maxY: maxY, body: plots + legend, xLabel: "\(Int(maxX)) s")
    }

    static func bars(title: String, _ values: [(String, Double)]) -> String {
        let maxY = max(values.map(\.1).max() ?? 1, 1)
        let slot = (width - 2 * margin) / Double(max(values.count, 1))
        let bars = values.enumerated().map { index, entry in
            let x = margin + Double(index) * slot + slot * 0.15
            let top = py(entry.1, maxY)
            return
                "<rect x=\"\(x)\" y=\"\(top)\" width=\"\(slot * 0.7)\" height=\"\(height - margin - top)\" fill=\"#1f77b4\"/>"
                + "<text x=\"\(x)\" y=\"\(height - margin + 14)\" font-size=\"11\">\(LoadReport.escape(entry.0)) \(Int(entry.1))</text>"
        }
        return frame(title: title, maxY: maxY, body: bars, xLabel: "")
    }

    private static func frame(title: String, maxY: Double, body: [String], xLabel: String) -> String {
        """
        <h2>\(LoadReport.escape(title))</h2>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" role="img">
        <line x1="\(margin)" y1="\(height - margin)" x2="\(width - margin)" y2="\(height - margin)" stroke="#999"/>
        <line x1="\(margin)" y1="\(margin / 2)" x2="\(margin)" y2="\(height - margin)" stroke="#999"/>
        <text x="2" y="\(margin / 2 + 4)" font-size="11">\(LoadReport.decimal(maxY))</text>
        <text x="\(width - margin)" y="\(height - margin + 14)" font-size="11">\(xLabel)</text>
        \(body.joined(separator: "\n"))
        </svg>
        """
    }

    private static func px(_ x: Double, _ maxX: Double) -> Double { margin + x / maxX * (width - 2 * margin) }
    private static func py(_ y: Double, _ maxY: Double) -> Double {
        height - margin - y / maxY * (height - 1.5 * margin)
    }
}

extension String {
    fileprivate func leftAligned(_ width: Int) -> String {
        padding(toLength: max(width, count + 1), withPad: " ", startingAt: 0)
    }
}
