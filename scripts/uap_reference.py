#!/usr/bin/env python3
"""Reference user-agent families for the UserAgents tests: ua-parser's Python package (PyPI `ua-parser`,
1.x) on the same regexes.yaml that sessiontail reads, Debian's uap-core by default.

Input: one user agent per line, hex-encoded (so that any byte, a newline included, passes through).
Output: one line per input line, `browser<TAB>os<TAB>device`, the families of ua-parser's defaulted result
(`Other` where no rule matches); bytes that are not UTF-8 are decoded with surrogateescape, as they were
read, and written back as U+FFFD. A user agent on which ua-parser raises is written `!error<TAB>message`.

Usage: uap_reference.py [--regexes PATH] < HEX-LINES
"""
import argparse
import sys

try:
    from ua_parser import BasicResolver, Domain
    from ua_parser.loaders import load_yaml
except ImportError as error:
    sys.exit(f"uap_reference.py: {error}; scripts/install-deps.sh installs ua-parser (pip)")


def printable(family):
    return family.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--regexes", default="/usr/share/uap-core/regexes.yaml")
    args = parser.parse_args()
    if load_yaml is None:
        sys.exit("uap_reference.py: PyYAML is missing; scripts/install-deps.sh installs it (pip)")
    resolver = BasicResolver(load_yaml(args.regexes))
    out = sys.stdout
    for line in sys.stdin:
        ua = bytes.fromhex(line.strip()).decode("utf-8", "surrogateescape")
        try:
            result = resolver(ua, Domain.ALL).complete().with_defaults()
        except Exception as error:  # ua-parser raises on some replacements (a missing group)
            out.write(f"!error\t{type(error).__name__}: {error}\n")
            continue
        families = (result.user_agent.family, result.os.family, result.device.family)
        out.write("\t".join(printable(f).replace("\t", " ").replace("\n", " ") for f in families) + "\n")


if __name__ == "__main__":
    main()
