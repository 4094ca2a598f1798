import CMaxMindDB
import ClientAddress

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A MaxMind DB file (`.mmdb`: GeoLite2-Country, GeoIP2-City, DB-IP's, …) opened with libmaxminddb, answering
/// the country of a client address.
///
/// The file is mapped (`MMDB_MODE_MMAP`), so opening reads only its metadata and lookups touch the pages they
/// need. A lookup gives the address's 16 bytes to `MMDB_lookup_sockaddr` as a `sockaddr` built on the stack: no
/// text and no allocation per lookup.
///
/// **Which country**: `country.iso_code`, the country the address is in, or nil when the record has none. There
/// is no fallback to `registered_country` (where the block is registered, which for anycast, satellite and
/// cloud networks is often another country): GoAccess, Matomo and Elasticsearch's geoip processor report
/// `country.iso_code` alone (Elasticsearch puts the registered country in a field of its own), and counting
/// visitors by the country of a block's registrant would mix two questions.
///
/// **Thread-safety**: `Sendable`. libmaxminddb reads an opened database without changing it, so any number of
/// threads may look up at once; the file is unmapped when the last reference goes.
///
/// ```swift
/// let geoip = try GeoIPDatabase(path: "/var/lib/GeoIP/GeoLite2-Country.mmdb")
/// print(geoip.databaseType, geoip.buildDate)           // GeoLite2-Country 2026-11-20
/// let country = try geoip.country(of: client)          // CountryCode? such as DE
/// ```
public final class GeoIPDatabase: @unchecked Sendable {
    // @unchecked: the MMDB_s is written only by MMDB_open in init and read afterwards (see above).
    private let mmdb: UnsafeMutablePointer<MMDB_s>

    /// The file, as given.
    public let path: String
    /// The database's `database_type` metadata: `GeoLite2-Country`, `GeoIP2-City`, `DBIP-Country-Lite`, …
    public let databaseType: String
    /// When the database was built (`build_epoch` metadata), in seconds since the Unix epoch (UTC).
    public let buildEpochSeconds: UInt64
    /// 4 for a database of IPv4 networks only, 6 for one that also holds IPv6 (and IPv4 in `::/96`).
    public let ipVersion: Int

    /// Opens the database at `path`.
    ///
    /// - Throws: ``GeoIPError`` when the file is missing, unreadable, not a MaxMind DB or damaged, with a sentence
    ///   saying what to do.
    public init(path: String) throws(GeoIPError) {
        // libmaxminddb says only "error opening the file"; look first, to say which error.
        var info = stat()
        guard stat(path, &info) == 0 else { throw GeoIPError(path: path, problem: .cannotOpen(errno: errno)) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw GeoIPError(path: path, problem: .notAFile) }
        // An empty file cannot be mapped (EINVAL), which would read as an I/O error.
        guard info.st_size > 0 else { throw GeoIPError(path: path, problem: .notADatabase) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw GeoIPError(path: path, problem: .cannotOpen(errno: errno)) }
        close(fd)

        let mmdb = UnsafeMutablePointer<MMDB_s>.allocate(capacity: 1)
        mmdb.initialize(to: MMDB_s())
        errno = 0
        let status = MMDB_open(path, UInt32(MMDB_MODE_MMAP), mmdb)
        guard status == MMDB_SUCCESS else {
            let code = errno
            mmdb.deallocate()
            switch status {
            case MMDB_FILE_OPEN_ERROR, MMDB_IO_ERROR:
                throw GeoIPError(path: path, problem: .cannotOpen(errno: code == 0 ? EIO : code))
            case MMDB_INVALID_METADATA_ERROR:
                throw GeoIPError(path: path, problem: .notADatabase)
            case MMDB_UNKNOWN_DATABASE_FORMAT_ERROR:
                throw GeoIPError(path: path, problem: .unknownFormat)
            default:
                throw GeoIPError(path: path, problem: .damaged(String(cString: MMDB_strerror(status))))
            }
        }
        self.mmdb = mmdb
        self.path = path
        databaseType = mmdb.pointee.metadata.database_type.map { String(cString: $0) } ?? ""
        buildEpochSeconds = mmdb.pointee.metadata.build_epoch
        ipVersion = Int(mmdb.pointee.metadata.ip_version)
    }

    /// The day the database was built, `YYYY-MM-DD` in UTC, for `check-config` and the log: MaxMind rebuilds its
    /// databases weekly, so an old date says the updates stopped.
    public var buildDate: String { GeoIPDatabase.date(epochSeconds: buildEpochSeconds) }

    /// `YYYY-MM-DD` of a time in seconds since the Unix epoch, UTC.
    static func date(epochSeconds: UInt64) -> String {
        // Days since 1970-01-01 to a civil date (H. Hinnant's `civil_from_days`, for days ≥ 0).
        let z = Int(epochSeconds / 86_400) + 719_468
        let era = z / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func padded(_ n: Int, _ width: Int) -> String {
            let digits = String(n)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
    }

    deinit {
        MMDB_close(mmdb)
        mmdb.deallocate()
    }

    /// The country `address` is in, as the database says (`country.iso_code`); nil when the address is in no
    /// network of the database, its record names no country, or the database holds IPv4 only and the address is
    /// IPv6.
    ///
    /// An IPv4-mapped address (`::ffff:192.0.2.1`) is looked up as the IPv4 address it holds: MaxMind's own
    /// databases alias `::ffff:0:0/96` to their IPv4 networks, so this is the same answer there, and the right
    /// one in databases written without the alias. Allocation-free.
    ///
    /// - Throws: ``GeoIPError`` with ``GeoIPError/Problem/damaged(_:)`` when the lookup runs into a damaged part
    ///   of the file.
    public func country(of address: IPAddress) throws(GeoIPError) -> CountryCode? {
        let address = address.unmapped
        var status: Int32 = MMDB_SUCCESS
        var result: MMDB_lookup_result_s
        if let v4 = address.ipv4Value {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_addr.s_addr = v4.bigEndian
            result = withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { MMDB_lookup_sockaddr(mmdb, $0, &status) }
            }
        } else {
            if ipVersion == 4 { return nil }
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            address.withUnsafeBytes { bytes in
                withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyMemory(from: bytes) }
            }
            result = withUnsafePointer(to: &sin6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { MMDB_lookup_sockaddr(mmdb, $0, &status) }
            }
        }
        guard status == MMDB_SUCCESS else { throw damaged(status) }
        guard result.found_entry else { return nil }
        var data = MMDB_entry_data_s()
        let found = sessiontail_mmdb_country_iso_code(&result.entry, &data)
        switch found {
        case MMDB_SUCCESS:
            break
        case MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR, MMDB_INVALID_LOOKUP_PATH_ERROR:
            return nil  // a record whose `country` is not a map: no country
        default:
            throw damaged(found)
        }
        guard data.has_data, data.type == UInt32(MMDB_DATA_TYPE_UTF8_STRING), data.data_size == 2,
            let text = data.utf8_string
        else { return nil }
        return text.withMemoryRebound(to: UInt8.self, capacity: 2) { CountryCode($0[0], $0[1]) }
    }

    private func damaged(_ status: Int32) -> GeoIPError {
        GeoIPError(path: path, problem: .damaged(String(cString: MMDB_strerror(status))))
    }
}
