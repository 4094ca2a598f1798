import AccessLog

/// The daemon's status as Prometheus metrics, in the text exposition format 0.0.4
/// (`Content-Type: text/plain; version=0.0.4`).
///
/// Names follow Prometheus' conventions: `sessiontail_` first, base units in the name (`_bytes`,
/// `_seconds`), `_total` on counters. Counters count since the daemon started and survive reloads.
public enum PrometheusExposition {
    /// The content type of ``render(_:)``'s text.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The exposition of `status`.
    public static func render(_ status: DaemonStatus) -> String {
        var out = Writer()
        out.family("sessiontail_build_info", .gauge, "Always 1; the labels say which sessiontail runs.")
        out.sample("sessiontail_build_info", ["version": status.version, "agent_id": status.agentID], 1)
        out.family("sessiontail_start_time_seconds", .gauge, "When the daemon started, seconds since the epoch.")
        out.sample("sessiontail_start_time_seconds", [:], seconds(status.startedAt))
        out.family("sessiontail_up", .gauge, "1 while the daemon runs; 0 once it is stopping.")
        out.sample("sessiontail_up", [:], status.state == .running || status.state == .reloading ? "1" : "0")

        out.family("sessiontail_lines_read_total", .counter, "Log lines read, events and malformed lines alike.")
        for s in status.sources { out.sample("sessiontail_lines_read_total", ["source": s.name], "\(s.linesRead)") }
        out.family("sessiontail_events_total", .counter, "Log lines that parsed into events.")
        for s in status.sources { out.sample("sessiontail_events_total", ["source": s.name], "\(s.events)") }
        out.family("sessiontail_malformed_lines_total", .counter, "Log lines that are not events, by reason.")
        for s in status.sources {
            for reason in MalformedReason.allCases {
                out.sample(
                    "sessiontail_malformed_lines_total", ["source": s.name, "reason": reason.description],
                    "\(s.malformed[reason.description] ?? 0)")
            }
        }
        out.family(
            "sessiontail_dropped_lines_total", .counter, "Log lines dropped by the source's drop rules, by reason.")
        for s in status.sources {
            for reason in s.dropped.keys.sorted() {
                out.sample(
                    "sessiontail_dropped_lines_total", ["source": s.name, "reason": reason], "\(s.dropped[reason] ?? 0)"
                )
            }
        }
        out.family("sessiontail_page_views_total", .counter, "Events that were page views.")
        for s in status.sources { out.sample("sessiontail_page_views_total", ["source": s.name], "\(s.pageViews)") }
        out.family("sessiontail_bot_requests_total", .counter, "Events that were a bot's.")
        for s in status.sources { out.sample("sessiontail_bot_requests_total", ["source": s.name], "\(s.botEvents)") }
        out.family(
            "sessiontail_forged_clients_total", .counter,
            "Events whose forwarding header held a value that is not an address (the last trusted hop is the visitor).")
        for s in status.sources {
            out.sample("sessiontail_forged_clients_total", ["source": s.name], "\(s.forgedClients)")
        }
        out.family(
            "sessiontail_extra_fields_total", .counter,
            "Events with fields after the log format's last (read; the format may be out of date).")
        for s in status.sources { out.sample("sessiontail_extra_fields_total", ["source": s.name], "\(s.extraFields)") }
        out.family("sessiontail_last_event_timestamp_seconds", .gauge, "The newest request time read from the source.")
        for s in status.sources {
            if let t = s.lastEventTime {
                out.sample("sessiontail_last_event_timestamp_seconds", ["source": s.name], seconds(t))
            }
        }
        out.family("sessiontail_files_tracked", .gauge, "Plain log files of the source found in the last pass.")
        for s in status.sources { out.sample("sessiontail_files_tracked", ["source": s.name], "\(s.files.count)") }
        out.family("sessiontail_file_offset_bytes", .gauge, "How far each log file has been read.")
        for s in status.sources {
            for f in s.files {
                out.sample("sessiontail_file_offset_bytes", ["source": s.name, "path": f.path], "\(f.offset)")
            }
        }
        out.family("sessiontail_file_lag_bytes", .gauge, "Bytes written to each log file and not read yet.")
        for s in status.sources {
            for f in s.files {
                out.sample("sessiontail_file_lag_bytes", ["source": s.name, "path": f.path], "\(f.lagBytes)")
            }
        }
        out.family("sessiontail_open_sessions", .gauge, "Sessions open in memory.")
        for s in status.sources { out.sample("sessiontail_open_sessions", ["source": s.name], "\(s.openSessions)") }
        out.family(
            "sessiontail_evicted_sessions_total", .counter,
            "Sessions shipped early as fragments because of the memory cap (the database merges them).")
        for s in status.sources {
            out.sample("sessiontail_evicted_sessions_total", ["source": s.name], "\(s.evictedSessions)")
        }

        out.family("sessiontail_fragments_emitted_total", .counter, "Session fragments closed for shipping.")
        out.sample("sessiontail_fragments_emitted_total", [:], "\(status.fragmentsEmitted)")
        out.family("sessiontail_fragments_shipped_total", .counter, "Session fragments committed to PostgreSQL.")
        out.sample("sessiontail_fragments_shipped_total", [:], "\(status.fragmentsShipped)")
        out.family(
            "sessiontail_fragments_applied_total", .counter,
            "Shipped fragments that were new to the database (the rest had been shipped before).")
        out.sample("sessiontail_fragments_applied_total", [:], "\(status.fragmentsApplied)")
        out.family("sessiontail_outbox_fragments", .gauge, "Fragments closed and waiting to be shipped.")
        out.sample("sessiontail_outbox_fragments", [:], "\(status.outboxFragments)")
        out.family("sessiontail_last_ship_timestamp_seconds", .gauge, "When a batch last reached PostgreSQL.")
        if let t = status.lastShipAt { out.sample("sessiontail_last_ship_timestamp_seconds", [:], seconds(t)) }
        out.family(
            "sessiontail_ship_retries_total", .counter,
            "Failed attempts to ship a batch; each is retried, nothing is dropped.")
        out.sample("sessiontail_ship_retries_total", [:], "\(status.shipRetries)")
        out.family(
            "sessiontail_ship_errors_total", .counter,
            "Failed attempts an operator must fix (authentication, permissions, schema); retried slowly.")
        out.sample("sessiontail_ship_errors_total", [:], "\(status.shipErrors)")
        out.family(
            "sessiontail_lost_bytes_total", .counter,
            "Bytes of log files that disappeared (rotated away, deleted) before they were read.")
        out.sample("sessiontail_lost_bytes_total", [:], "\(status.lostBytes)")
        out.family(
            "sessiontail_lost_files_total", .counter,
            "Log files that disappeared (rotated away, deleted) before they were read to their end.")
        out.sample("sessiontail_lost_files_total", [:], "\(status.lostFiles ?? 0)")
        out.family("sessiontail_wal_bytes", .gauge, "Bytes of the write-ahead log on disk.")
        out.sample("sessiontail_wal_bytes", [:], "\(status.walBytes ?? 0)")
        out.family("sessiontail_wal_syncs_total", .counter, "fdatasync calls on the write-ahead log (group commits).")
        out.sample("sessiontail_wal_syncs_total", [:], "\(status.walSyncs ?? 0)")
        out.family("sessiontail_errors_total", .counter, "Messages logged at error priority.")
        out.sample("sessiontail_errors_total", [:], "\(status.errors)")
        out.family("sessiontail_reloads_total", .counter, "Configuration reloads (SIGHUP), by result.")
        out.sample("sessiontail_reloads_total", ["result": "applied"], "\(status.reloads)")
        out.sample("sessiontail_reloads_total", ["result": "refused"], "\(status.reloadsRefused)")
        return out.text
    }

    /// Seconds since the epoch with milliseconds, without floating point.
    static func seconds(_ instant: Instant) -> String {
        let ms = instant.millis
        let whole = ms >= 0 ? ms / 1_000 : (ms - 999) / 1_000
        let fraction = ms - whole * 1_000
        if fraction == 0 { return "\(whole)" }
        let digits = String(fraction)
        return "\(whole)." + String(repeating: "0", count: 3 - digits.count) + digits
    }

    enum Kind: String {
        case counter, gauge
    }

    struct Writer {
        var text = ""

        mutating func family(_ name: String, _ kind: Kind, _ help: String) {
            text += "# HELP \(name) \(escape(help, quotes: false))\n# TYPE \(name) \(kind.rawValue)\n"
        }

        mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String>, _ value: String) {
            text += name
            if !labels.isEmpty {
                text += "{"
                text += labels.map { "\($0.key)=\"\(escape($0.value, quotes: true))\"" }.joined(separator: ",")
                text += "}"
            }
            text += " \(value)\n"
        }

        mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String>, _ value: Int) {
            sample(name, labels, "\(value)")
        }

        /// Backslash and newline (and in label values the double quote) are escaped.
        func escape(_ s: String, quotes: Bool) -> String {
            var out = ""
            for c in s.unicodeScalars {
                switch c {
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\"" where quotes: out += "\\\""
                default: out.unicodeScalars.append(c)
                }
            }
            return out
        }
    }
}
