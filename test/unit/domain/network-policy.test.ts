import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type BlockedCategory,
  blockedAddressReason,
  classifyAddress,
  isAddressAllowed,
  networkPolicy,
} from "../../../shared/domain/network-policy.js";

const cases = (category: BlockedCategory, addresses: string[]) =>
  addresses.map((address) => [address, category] as const);

describe("classifyAddress", () => {
  it.each([
    ...cases("loopback", ["127.0.0.1", "127.1.2.3", "127.255.255.254"]),
    ...cases("private", ["10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.1.1"]),
    ...cases("metadata", ["169.254.169.254"]),
    ...cases("link-local", ["169.254.0.1", "169.254.170.2", "169.254.169.253"]),
    ...cases("unspecified", ["0.0.0.0", "0.1.2.3"]),
    ...cases("carrier-grade NAT", ["100.64.0.1", "100.100.100.200", "100.127.255.255"]),
    ...cases("multicast", ["224.0.0.1", "239.255.255.250"]),
    ...cases("broadcast", ["255.255.255.255"]),
    ...cases("reserved", [
      "240.0.0.1",
      "192.0.0.192",
      "192.0.2.10",
      "198.18.0.1",
      "198.51.100.7",
      "203.0.113.9",
    ]),
  ])("refuses the IPv4 address %s as %s", (address, category) => {
    expect(classifyAddress(address)).toBe(category);
  });

  it.each([
    ...cases("loopback", ["::1", "0:0:0:0:0:0:0:1"]),
    ...cases("unspecified", ["::", "0:0:0:0:0:0:0:0"]),
    ...cases("link-local", ["fe80::1", "fe80::1%eth0", "febf:ffff::1"]),
    ...cases("private", ["fc00::1", "fd12:3456:789a::1", "fec0::1"]),
    ...cases("metadata", ["fd00:ec2::254"]),
    ...cases("multicast", ["ff02::1", "ff05::1:3"]),
    ...cases("reserved", [
      "2001:db8::1",
      "100::1",
      "2001::1",
      "2001:0:4136:e378::1",
      "3fff::1",
      "4000::1",
      "::2:3:4",
    ]),
  ])("refuses the IPv6 address %s as %s", (address, category) => {
    expect(classifyAddress(address)).toBe(category);
  });

  it.each([
    // IPv4-mapped, in dotted and hex forms: a dual-stack socket connects to the IPv4 address.
    ...cases("loopback", ["::ffff:127.0.0.1", "::ffff:7f00:1", "0:0:0:0:0:ffff:7f00:0001", "::FFFF:7F00:1"]),
    ...cases("metadata", ["::ffff:169.254.169.254", "::ffff:a9fe:a9fe"]),
    ...cases("private", ["::ffff:10.0.0.1", "::ffff:c0a8:101", "::ffff:172.16.0.1"]),
    ...cases("unspecified", ["::ffff:0.0.0.0", "::ffff:0:0"]),
    // IPv4-translated (SIIT) and IPv4-compatible forms.
    ...cases("loopback", ["::ffff:0:127.0.0.1", "::127.0.0.1", "::7f00:1"]),
    ...cases("metadata", ["::a9fe:a9fe", "::169.254.169.254"]),
    ...cases("reserved", ["::8.8.8.8"]),
    // NAT64 (well-known prefix) and 6to4 embed the IPv4 address they reach.
    ...cases("loopback", ["64:ff9b::127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1"]),
    ...cases("metadata", ["64:ff9b::169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::"]),
    ...cases("private", ["64:ff9b::10.0.0.1", "2002:c0a8:101::1", "64:ff9b:1::8.8.8.8"]),
  ])("refuses %s, which carries a %s IPv4 address", (address, category) => {
    expect(classifyAddress(address)).toBe(category);
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "11.0.0.1",
    "100.63.255.255",
    "100.128.0.0",
    "172.15.255.255",
    "172.32.0.1",
    "169.253.255.255",
    "192.169.0.1",
    "223.255.255.255",
    "2606:4700:4700::1111",
    "2a00:1450:4001:80b::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::8.8.8.8",
    "2002:808:808::1",
  ])("allows the public address %s", (address) => {
    expect(classifyAddress(address)).toBeUndefined();
  });

  it("refuses what is not an IP address at all", () => {
    expect(classifyAddress("localhost")).toBe("reserved");
    expect(classifyAddress("")).toBe("reserved");
    expect(classifyAddress("127.0.0.1.nip.io")).toBe("reserved");
  });

  it("judges every IPv4 address the same in its mapped, hex-mapped and NAT64 IPv6 forms", () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        const [a = 0, b = 0, c = 0, d = 0] = address.split(".").map(Number);
        const hex = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
        const expected = classifyAddress(address);
        expect(classifyAddress(`::ffff:${address}`)).toBe(expected);
        expect(classifyAddress(`::ffff:${hex}`)).toBe(expected);
        expect(classifyAddress(`64:ff9b::${hex}`)).toBe(expected);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("networkPolicy", () => {
  const strict = networkPolicy({ allowLoopback: false });
  const local = networkPolicy({ allowLoopback: true });

  it("refuses loopback unless the loopback opt-in is on", () => {
    for (const address of ["127.0.0.1", "::1", "::ffff:127.0.0.1"]) {
      expect(strict(address)).toBe("loopback");
      expect(isAddressAllowed(address, local)).toBe(true);
    }
  });

  it("keeps refusing everything else with the opt-in on, the unspecified address included", () => {
    for (const address of [
      "0.0.0.0",
      "::",
      "10.0.0.1",
      "169.254.169.254",
      "fe80::1",
      "fd00:ec2::254",
      "::ffff:a9fe:a9fe",
    ]) {
      expect(isAddressAllowed(address, local)).toBe(false);
    }
    expect(isAddressAllowed("8.8.8.8", strict)).toBe(true);
  });
});

describe("blockedAddressReason", () => {
  it("names the host and the kind of address, and the address a name resolved to", () => {
    expect(blockedAddressReason("localhost", "127.0.0.1", "loopback")).toBe(
      "blocked_address: localhost resolves to a loopback address (127.0.0.1)",
    );
    expect(blockedAddressReason("169.254.169.254", "169.254.169.254", "metadata")).toBe(
      "blocked_address: 169.254.169.254 is a cloud metadata address",
    );
    expect(blockedAddressReason("::", "::", "unspecified")).toBe(
      "blocked_address: :: is an unspecified address",
    );
  });
});
