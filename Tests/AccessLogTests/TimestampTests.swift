import AccessLog
import PropertyBased
import Testing

@Suite("Timestamps")
struct TimestampTests {
    func commonLog(_ s: String) -> Int64? { Array(s.utf8).withUnsafeBytes { Timestamp.parseCommonLog($0) } }
    func iso(_ s: String) -> Int64? { Array(s.utf8).withUnsafeBytes { Timestamp.parseISO8601($0) } }
    func msec(_ s: String) -> Int64? { Array(s.utf8).withUnsafeBytes { Timestamp.parseEpochSeconds($0) } }

    @Test func offsetsAreApplied() {
        #expect(commonLog("10/Oct/2000:13:55:36 -0700") == apacheExampleMillis)
        #expect(commonLog("10/Oct/2000:20:55:36 +0000") == apacheExampleMillis)
        #expect(commonLog("11/Oct/2000:02:25:36 +0530") == apacheExampleMillis)
        #expect(commonLog("10/oct/2000:20:55:36 +0000") == apacheExampleMillis)
    }

    @Test func isoVariants() {
        #expect(iso("2000-10-10T13:55:36-07:00") == apacheExampleMillis)
        #expect(iso("2000-10-10T20:55:36Z") == apacheExampleMillis)
        #expect(iso("2000-10-10T20:55:36.250+0000") == apacheExampleMillis + 250)
        #expect(iso("2000-10-10T20:55:36") == nil)
        #expect(iso("2000-13-10T20:55:36Z") == nil)
    }

    @Test func epochSeconds() {
        #expect(msec("971211336.5") == apacheExampleMillis + 500)
        #expect(msec("971211336") == apacheExampleMillis)
        #expect(msec("971211336.") == nil)
        #expect(msec("-1") == nil)
    }

    @Test func formatting() {
        #expect(Timestamp.iso8601(millis: apacheExampleMillis) == "2000-10-10T20:55:36Z")
        #expect(Timestamp.iso8601(millis: apacheExampleMillis + 7) == "2000-10-10T20:55:36.007Z")
        #expect(Timestamp.iso8601(millis: 0) == "1970-01-01T00:00:00Z")
        #expect(Timestamp.iso8601(millis: -1_000) == "1969-12-31T23:59:59Z")
    }

    @Test func civilDaysRoundTrip() async {
        await propertyCheck(count: 500, input: Gen.int(in: -800_000...800_000)) { days in
            let (y, m, d) = Timestamp.civil(fromDays: days)
            #expect(Timestamp.daysFromCivil(year: y, month: m, day: d) == days)
        }
    }

    @Test func isoFormattingParsesBack() async {
        await propertyCheck(count: 500, input: Gen.int(in: 0...4_102_444_800_000)) { millis in
            let text = Timestamp.iso8601(millis: Int64(millis))
            #expect(iso(text) == Int64(millis))
        }
    }
}
