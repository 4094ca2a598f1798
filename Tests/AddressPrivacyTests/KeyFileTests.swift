import AddressPrivacy
import Testing

@Suite("Key files")
struct KeyFileTests {
    let key = [UInt8](repeating: 0x5a, count: 32)

    @Test("modes owner rw and group r are accepted", arguments: [0o600, 0o640, 0o400, 0o440, 0o700, 0o740])
    func accepted(_ mode: Int) throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.file("client.key", key, mode: mode)
        #expect(try AddressKey(contentsOfFile: path).fingerprint == AddressKey(bytes: key)!.fingerprint)
    }

    @Test(
        "other modes are refused with the chmod to run",
        arguments: [
            (0o644, "readable by others (mode 0644)"), (0o660, "writable by its group (mode 0660)"),
            (0o604, "readable by others (mode 0604)"), (0o602, "writable by others (mode 0602)"),
            (0o601, "accessible by others (mode 0601)"),
            (0o666, "readable by others and writable by others and writable by its group (mode 0666)"),
        ])
    func refused(_ mode: Int, _ expected: String) throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.file("client.key", key, mode: mode)
        #expect {
            try AddressKey(contentsOfFile: path)
        } throws: { error in
            let message = "\(error)"
            return message.hasSuffix("run chmod 0640 \(path)") && message.contains(expected)
        }
    }

    @Test func theExactSentence() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.file("client.key", key, mode: 0o644)
        #expect(throws: AddressKeyError(path: path, problem: .tooOpen(mode: 0o644))) {
            try AddressKey(contentsOfFile: path)
        }
        #expect(
            "\(AddressKeyError(path: path, problem: .tooOpen(mode: 0o644)))"
                == "The client address key \(path) is readable by others (mode 0644); run chmod 0640 \(path)")
    }

    @Test func lengths() throws {
        let scratch = try ScratchDirectory()
        let short = try scratch.file("short.key", Array(key.prefix(31)), mode: 0o640)
        #expect(throws: AddressKeyError(path: short, problem: .tooShort(31))) { try AddressKey(contentsOfFile: short) }
        let empty = try scratch.file("empty.key", [], mode: 0o640)
        #expect(throws: AddressKeyError(path: empty, problem: .tooShort(0))) { try AddressKey(contentsOfFile: empty) }
        let long = try scratch.file("long.key", [UInt8](repeating: 7, count: 4097), mode: 0o640)
        #expect(throws: AddressKeyError(path: long, problem: .tooLong)) { try AddressKey(contentsOfFile: long) }
        let longest = try scratch.file("longest.key", [UInt8](repeating: 7, count: 4096), mode: 0o640)
        #expect(throws: Never.self) { try AddressKey(contentsOfFile: longest) }
        #expect(
            "\(AddressKeyError(path: short, problem: .tooShort(31)))".contains(
                "holds 31 bytes; a key needs at least 32 random bytes. Create one with: (umask 027; "
                    + "head -c 32 /dev/urandom > \(short)); chown root:sessiontail \(short)"))
    }

    @Test func missingFilesAndDirectories() throws {
        let scratch = try ScratchDirectory()
        let missing = scratch.path + "/nope.key"
        #expect(throws: AddressKeyError(path: missing, problem: .cannotOpen(errno: 2))) {
            try AddressKey(contentsOfFile: missing)
        }
        #expect("\(AddressKeyError(path: missing, problem: .cannotOpen(errno: 2)))".contains("does not exist"))
        #expect(throws: AddressKeyError(path: scratch.path, problem: .notAFile)) {
            try AddressKey(contentsOfFile: scratch.path)
        }
        // Root reads any file, so permission denied is shown, not provoked.
        #expect(
            "\(AddressKeyError(path: "/etc/k", problem: .cannotOpen(errno: 13)))"
                == "Cannot read the client address key /etc/k: permission denied. It should belong to group "
                + "sessiontail with mode 0640: chown root:sessiontail /etc/k; chmod 0640 /etc/k")
    }
}
