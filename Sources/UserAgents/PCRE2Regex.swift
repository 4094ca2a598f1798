import CPCRE2

/// A compiled PCRE2 pattern over bytes (8-bit code units, not UTF mode), and the state one thread needs to
/// match patterns: the only place this module calls PCRE2.
///
/// A pattern is compiled for the interpreter first; ``PCRE2Regex/compileJIT(_:)`` then tries PCRE2's JIT.
/// When the JIT cannot be had (PCRE2 built without it, or no executable memory, as under systemd's
/// `MemoryDenyWriteExecute=yes`), the pattern stays with the interpreter, which gives the same results more
/// slowly; ``PCRE2JIT`` remembers the failure so that later patterns do not try again.
final class PCRE2Regex {
    /// The compiled code; owned, freed on deinit.
    let code: OpaquePointer
    /// Number of capturing groups in the pattern.
    let captureCount: Int
    /// Whether the JIT compiled this pattern (then `pcre2_match` runs the machine code).
    private(set) var isJITCompiled = false

    /// Why a pattern does not compile: PCRE2's message and the offset in the pattern where it stopped.
    struct CompileError: Error {
        var message: String
        var offset: Int
    }

    /// Compiles `pattern` for the interpreter. The corresponding C function is `pcre2_compile`.
    init(pattern: [UInt8], caseInsensitive: Bool) throws(CompileError) {
        var errorCode: Int32 = 0
        var errorOffset = 0
        let options: UInt32 = caseInsensitive ? PCRE2_CASELESS : 0
        let compiled = pattern.withUnsafeBufferPointer { bytes in
            pcre2_compile_8(
                bytes.baseAddress ?? PCRE2Regex.emptySubject, bytes.count, options, &errorCode, &errorOffset, nil)
        }
        guard let code = compiled else {
            throw CompileError(message: PCRE2Regex.message(for: errorCode), offset: errorOffset)
        }
        self.code = code
        var count: UInt32 = 0
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_CAPTURECOUNT), &count)
        captureCount = Int(count)
    }

    deinit {
        pcre2_code_free_8(code)
    }

    /// Tries the JIT for this pattern unless `jit` says it is off or known not to work; returns whether the
    /// pattern now runs as machine code. The corresponding C function is `pcre2_jit_compile`.
    @discardableResult
    func compileJIT(_ jit: PCRE2JIT) -> Bool {
        guard jit.isUsable, !isJITCompiled else { return isJITCompiled }
        let status = pcre2_jit_compile_8(code, PCRE2_JIT_COMPLETE)
        if status == 0 {
            isJITCompiled = true
        } else {
            jit.noteFailure(status)
        }
        return isJITCompiled
    }

    /// Matches the pattern anywhere in `subject`, leaving the groups in `state`. Returns whether it matched.
    /// The corresponding C function is `pcre2_match`.
    ///
    /// A JIT run that overflows its stack is run again by the interpreter; a run that reaches PCRE2's match,
    /// depth or heap limit (a pathological pattern and subject) counts as no match and is counted in
    /// `state.limitFailures`.
    func matches(_ subject: UnsafeRawBufferPointer, state: PCRE2MatchState) -> Bool {
        let bytes = subject.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? PCRE2Regex.emptySubject
        var rc = pcre2_match_8(code, bytes, subject.count, 0, 0, state.matchData, state.context)
        if rc == PCRE2_ERROR_JIT_STACKLIMIT {
            rc = pcre2_match_8(code, bytes, subject.count, 0, PCRE2_NO_JIT, state.matchData, state.context)
        }
        if rc >= 0 {
            // 0: more groups than the match data holds, which then holds as many as it can.
            state.setGroups = rc == 0 ? state.pairs : Int(rc)
            return true
        }
        if rc != PCRE2_ERROR_NOMATCH { state.limitFailures += 1 }
        return false
    }

    /// A byte to point at for an empty subject or pattern: PCRE2 10.42 refuses a null pointer even with
    /// length 0.
    nonisolated(unsafe) static let emptySubject: UnsafePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()

    /// PCRE2's text for an error code. The corresponding C function is `pcre2_get_error_message`.
    static func message(for errorCode: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = pcre2_get_error_message_8(errorCode, &buffer, buffer.count)
        return length > 0 ? String(decoding: buffer[0..<Int(length)], as: UTF8.self) : "PCRE2 error \(errorCode)"
    }
}

/// Whether patterns are to be JIT-compiled, and whether the JIT has been found not to work here.
final class PCRE2JIT {
    /// Whether this PCRE2 was built with a JIT for this processor. The corresponding C function is
    /// `pcre2_config(PCRE2_CONFIG_JIT)`.
    static let isAvailable: Bool = {
        var value: UInt32 = 0
        return pcre2_config_8(UInt32(PCRE2_CONFIG_JIT), &value) >= 0 && value == 1
    }()

    /// Whether the caller asked for the JIT.
    let isRequested: Bool
    /// The error of the first JIT compilation that failed for want of memory, if any; after it, no pattern
    /// is JIT-compiled.
    private(set) var failure: Int32?
    /// Patterns the JIT refused for another reason (too complex); they run on the interpreter.
    private(set) var refusedPatterns = 0

    init(requested: Bool) {
        isRequested = requested
    }

    /// Whether a pattern should still be offered to the JIT.
    var isUsable: Bool { isRequested && PCRE2JIT.isAvailable && failure == nil }

    func noteFailure(_ status: Int32) {
        // No executable memory (MemoryDenyWriteExecute) gives PCRE2_ERROR_NOMEMORY for every pattern: stop
        // asking. A JIT without support for this build or processor says PCRE2_ERROR_JIT_BADOPTION.
        if status == PCRE2_ERROR_NOMEMORY || status == PCRE2_ERROR_JIT_BADOPTION {
            failure = status
        } else {
            refusedPatterns += 1
        }
    }
}

/// The per-thread side of matching: one match-data block (the group offsets) and one JIT stack, reused by
/// every match, so that matching allocates nothing.
final class PCRE2MatchState {
    /// Offsets of up to `pairs` groups (group 0 is the whole match).
    let matchData: OpaquePointer
    /// The match context that hands the JIT stack to `pcre2_match`.
    let context: OpaquePointer
    private let jitStack: OpaquePointer?
    /// Number of offset pairs `matchData` holds.
    let pairs: Int
    /// Matches abandoned at PCRE2's match, depth or heap limit.
    var limitFailures = 0
    /// How many leading offset pairs the last successful match set (the groups after them did not take part).
    var setGroups = 0

    /// `groups`: the most capturing groups whose offsets are wanted (more are not reported).
    init(groups: Int) {
        pairs = groups + 1
        matchData = pcre2_match_data_create_8(UInt32(pairs), nil)!
        context = pcre2_match_context_create_8(nil)!
        // 32 KiB is the JIT's default (on the machine stack); a few of ua-parser's patterns with long
        // bounded repetitions want more, so the JIT gets a stack of its own that may grow to 1 MiB.
        jitStack = pcre2_jit_stack_create_8(32 << 10, 1 << 20, nil)
        if let jitStack { pcre2_jit_stack_assign_8(context, nil, UnsafeMutableRawPointer(jitStack)) }
    }

    deinit {
        if let jitStack { pcre2_jit_stack_free_8(jitStack) }
        pcre2_match_context_free_8(context)
        pcre2_match_data_free_8(matchData)
    }

    /// The byte range of group `index` in the last successful match, or nil when the group did not take
    /// part (or is beyond what this state reports).
    @inline(__always)
    func group(_ index: Int) -> Range<Int>? {
        guard index < setGroups else { return nil }
        // PCRE2_SIZE is size_t, which Swift sees as Int: PCRE2_UNSET (all bits set) reads as -1.
        let ovector = pcre2_get_ovector_pointer_8(matchData)!
        let start = ovector[2 * index]
        let end = ovector[2 * index + 1]
        if start < 0 || end < start { return nil }
        return start..<end
    }
}
