#!/usr/bin/env python3
"""Reference answers for ClientAddressTests from Python's `ipaddress` module.

Reads one question a line on standard input and writes one answer a line:

  address       TEXT                  -> the canonical text of the address, or `invalid`
  network       TEXT                  -> the canonical text of the network, or `invalid`
  truncate      ADDRESS PREFIX PROBE  -> `NETWORK yes|no`: ADDRESS's network of PREFIX bits, and whether
                                         PROBE is in it

Canonical text is RFC 5952's: Python's own, except that an IPv4-mapped address is written `::ffff:1.2.3.4`
(RFC 5952 section 5; Python 3.13 and later do the same, 3.11 writes `::ffff:102:304`). Where sessiontail
refuses on purpose what Python accepts, this script refuses too, so that the comparison covers the rest:
zone ids (`fe80::1%eth0`), and in networks a prefix length with leading zeros or written as a netmask.
"""
import ipaddress
import re
import sys

PREFIX = re.compile(r"^(0|[1-9][0-9]{0,2})$")


def canonical(address):
    if address.version == 6 and address.ipv4_mapped is not None:
        return "::ffff:" + str(address.ipv4_mapped)
    return str(address)


def address(text):
    if "%" in text:
        return "invalid"
    try:
        return canonical(ipaddress.ip_address(text))
    except ValueError:
        return "invalid"


def network(text):
    if "%" in text:
        return "invalid"
    if "/" in text and not PREFIX.match(text.split("/", 1)[1]):
        return "invalid"
    try:
        net = ipaddress.ip_network(text, strict=True)
    except ValueError:
        return "invalid"
    return canonical(net.network_address) + "/" + str(net.prefixlen)


def truncate(text):
    addr, prefix, probe = text.split(" ")
    net = ipaddress.ip_network((ipaddress.ip_address(addr), int(prefix)), strict=False)
    inside = ipaddress.ip_address(probe) in net
    return canonical(net.network_address) + "/" + str(net.prefixlen) + (" yes" if inside else " no")


def main():
    answer = {"address": address, "network": network, "truncate": truncate}[sys.argv[1]]
    out = []
    for line in sys.stdin.read().split("\n")[:-1]:
        out.append(answer(line))
    sys.stdout.write("".join(a + "\n" for a in out))


if __name__ == "__main__":
    main()
