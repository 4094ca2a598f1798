import Foundation
import Testing

/// `sessiontail sessionize` run as a user runs it: the built binary, real files, real gzip.
@Suite("sessionize command")
struct SessionizeCommandTests {
    let root = RealLogsTests.packageRoot
    var elastic: String { RealLogsTests.elastic }

    func binary() throws -> String {
        try #require(RealLogsTests.sessiontailBinary(), "sessiontail binary not found next to the test bundle")
    }

    func run(_ args: [String]) throws -> RealLogsTests.Output {
        try RealLogsTests.run(try binary(), args, cwd: root)
    }

    func shell(_ command: String) throws -> RealLogsTests.Output {
        try RealLogsTests.run("/bin/sh", ["-c", command], cwd: root)
    }

    @Test func rotatedGzipSetGivenInAnyOrderEqualsTheWholeLog() throws {
        let dir = try ScratchDirectory()
        // Split the real log in four, the way logrotate leaves it: .3.gz oldest … live file newest.
        let split = try shell(
            """
            cd \(dir.url.path) && split -n l/4 -d \(elastic) part && \
            gzip -c part00 > access.log.3.gz && gzip -c part01 > access.log.2.gz && \
            mv part02 access.log.1 && mv part03 access.log && rm part00 part01
            """)
        #expect(split.status == 0, "\(split.stderrText)")
        let whole = try run(["sessionize", "--host", "semicomplete.com", elastic])
        let rotated = try run([
            "sessionize", "--host", "semicomplete.com", dir.path("access.log"), dir.path("access.log.2.gz"),
            dir.path("access.log.1"), dir.path("access.log.3.gz"),
        ])
        #expect(rotated.status == 0)
        #expect(rotated.stdout == whole.stdout)
        #expect(rotated.stderrText.contains("10000 lines in 4 files: 9999 events, 1 malformed"))
    }

    @Test func inputOutOfOrderByHoursGivesTheSameSessions() throws {
        let dir = try ScratchDirectory()
        // Reverse the whole log: every line is now out of order, by up to three days.
        let reversed = try shell("tac \(elastic) > \(dir.path("reversed.log"))")
        #expect(reversed.status == 0)
        let forward = try run(["sessionize", "--host", "semicomplete.com", elastic])
        let backward = try run(["sessionize", "--host", "semicomplete.com", dir.path("reversed.log")])
        #expect(forward.stdout == backward.stdout)
        #expect(forward.stdout.count > 100_000)
    }

    @Test func standardInputAndTinyMemoryCapGiveTheSameSessions() throws {
        let bin = try binary()
        let file = try run(["sessionize", "--host", "semicomplete.com", elastic])
        let piped = try shell(
            "cat \(elastic) | \(bin) sessionize --host semicomplete.com --memory 1KiB --lateness 0s -")
        #expect(piped.status == 0)
        #expect(piped.stdout == file.stdout)
    }

    @Test func jsonLinesCarryEveryColumn() throws {
        let out = try run([
            "sessionize", "--host", "Home.LAN", "--output", "jsonl",
            root.appendingPathComponent("data/real/jul-yahi_biggersample.log").path,
        ])
        #expect(out.status == 0)
        let lines = String(decoding: out.stdout, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 28)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(
            Set(first.keys) == [
                "host", "ip", "session_start", "session_end", "event_count", "bytes", "landing_path", "referrer",
                "user_agent", "error_count", "page_views", "is_bot", "exit_path", "referrer_host", "channel",
                "utm_source", "utm_medium", "utm_campaign", "browser", "os", "device", "country",
            ])
        #expect(first["host"] as? String == "home.lan")
        #expect((first["session_start"] as? String)?.hasSuffix("Z") == true)
    }

    @Test func escapedAndNonUTF8FieldsComeOutReadable() throws {
        let dir = try ScratchDirectory()
        var log = Data(#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /caf"#.utf8)
        log.append(0xE9)
        log.append(contentsOf: Array(#"?q=1 HTTP/1.1" 200 5 "-" "say \"hi\", ok\x09""#.utf8))
        log.append(10)
        try log.write(to: URL(fileURLWithPath: dir.path("odd.log")))
        let out = try run(["sessionize", "--host", "h", dir.path("odd.log")])
        let rows = String(decoding: out.stdout, as: UTF8.self).split(separator: "\n")
        #expect(rows.count == 2)
        #expect(
            rows.last
                == #"h,1.2.3.4,2000-10-10T20:55:36Z,2000-10-10T20:55:36Z,1,5,/caf\xE9,,"say ""hi"", ok\x09",0,1,false,/caf\xE9,,direct,,,,Other,Other,Other,"#
        )
    }

    @Test func aTruncatedGzipIsReportedAndTheRestIsStillSessionized() throws {
        let dir = try ScratchDirectory()
        let cut = try shell("gzip -c \(elastic) | head -c 60000 > \(dir.path("cut.gz")) && printf 'x' >/dev/null")
        #expect(cut.status == 0)
        let out = try run([
            "sessionize", "--host", "h", root.appendingPathComponent("data/real/jul-yahi_biggersample.log").path,
            dir.path("cut.gz"),
        ])
        #expect(out.status == 1)
        #expect(out.stderrText.contains("cut.gz: the gzip data is truncated"))
        let rows = String(decoding: out.stdout, as: UTF8.self).split(separator: "\n")
        #expect(rows.count > 29, "the readable part of the .gz and the other file are still sessionized")
    }

    @Test func gzipWithZeroPaddingReadsLikeZcat() throws {
        let dir = try ScratchDirectory()
        let padded = try shell(
            "gzip -c \(elastic) > \(dir.path("p.gz")) && head -c 512 /dev/zero >> \(dir.path("p.gz"))")
        #expect(padded.status == 0)
        let out = try run(["sessionize", "--host", "h", dir.path("p.gz")])
        #expect(out.status == 0, "\(out.stderrText)")
        #expect(out.stderrText.contains("10000 lines in 1 file"))
    }

    @Test func errorsSayWhatIsWrongAndMalformedLinesDoNot() throws {
        let missing = try run(["sessionize", "--host", "h", "/nonexistent/access.log"])
        #expect(missing.status == 1)
        #expect(missing.stderrText.contains("Cannot read /nonexistent/access.log: no such file."))

        let noHost = try run(["sessionize", elastic])
        #expect(noHost.status != 0)
        #expect(noHost.stderrText.contains("--host"))

        let badFormat = try run(["sessionize", "--log-format", "%h %{%Y}t", "--host", "h", elastic])
        #expect(badFormat.status != 0)
        #expect(badFormat.stderrText.contains("custom time format"))

        let badGap = try run(["sessionize", "--gap", "5 minutes", "--host", "h", elastic])
        #expect(badGap.status != 0)
        #expect(badGap.stderrText.contains("--gap"))

        let nasa = try run([
            "sessionize", "--format", "common", "--host", "h",
            root.appendingPathComponent("data/real/nasa-aug95_sample_aman-panchal.log").path,
        ])
        #expect(nasa.status == 0)
        #expect(nasa.stderrText.contains("nasa-aug95_sample_aman-panchal.log:38: unterminated_quote"))
    }

    @Test func gapOptionChangesSessions() throws {
        let jul = root.appendingPathComponent("data/real/jul-yahi_biggersample.log").path
        func count(_ gap: String) throws -> Int {
            String(decoding: try run(["sessionize", "--host", "h", "--gap", gap, jul]).stdout, as: UTF8.self)
                .split(separator: "\n").count - 1
        }
        // The log has pairs of requests exactly 300 s apart: 299 s splits them, 300 s does not.
        #expect(try count("299s") == 48)
        #expect(try count("5m") == 28)
        #expect(try count("301") == 22)
    }
}
