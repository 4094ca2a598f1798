import Foundation
import Testing

@testable import UserAgents

/// The families agree with the reference implementation, ua-parser's Python package (PyPI `ua-parser`),
/// reading the same `/usr/share/uap-core/regexes.yaml` (scripts/uap_reference.py).
@Suite("UserAgents vs. ua-parser (Python)")
struct ReferenceTests {
    /// The real logs' user agents, the tricky ones, and a sample of uap-core's test user agents (all of them
    /// with `UA_REFERENCE_ALL=1`, some 30 000, which takes Python a minute or more).
    @Test("browser, OS and device families equal ua-parser's")
    func familiesEqualReference() throws {
        let all = ProcessInfo.processInfo.environment["UA_REFERENCE_ALL"] == "1"
        let logs = try Fixtures.logUserAgents()
        try #require(logs.count > 500, "the real logs' user agents: \(Fixtures.realLogs)")
        let userAgents = logs + Fixtures.tricky + (try Fixtures.uapTestUserAgents(stride: all ? 1 : 15))
        let reference = try Fixtures.reference(userAgents)
        let classifier = try UserAgentClassifier(rules: Fixtures.rules())
        var compared = 0
        var referenceErrors: [String] = []
        var mismatches: [String] = []
        for (ua, expected) in zip(userAgents, reference) {
            guard let expected else {
                referenceErrors.append(Fixtures.show(ua))
                continue
            }
            var ours = classifier.families(ua)
            ours.isBot = false
            compared += 1
            if ours != expected {
                mismatches.append("\(Fixtures.show(ua))\n    ours: \(ours)\n    ua-parser: \(expected)")
            }
        }
        print(
            "compared \(compared) user agents with ua-parser: \(mismatches.count) differ, "
                + "\(referenceErrors.count) raised in ua-parser")
        #expect(compared > 2000)
        #expect(mismatches.isEmpty, "\(mismatches.count) differ:\n\(mismatches.prefix(20).joined(separator: "\n"))")
        #expect(referenceErrors.isEmpty, "ua-parser raised on:\n\(referenceErrors.prefix(20).joined(separator: "\n"))")
    }
}
