import { isIPv4, isIPv6 } from "node:net";

/**
 * Which IP addresses an outgoing webhook may connect to. A webhook URL is chosen by whoever edits a
 * moment, so without this rule it could reach what only the server can: the cloud metadata service
 * (credentials), the Lambda runtime API on loopback, services inside a VPC.
 *
 * The rule is an allowlist in disguise: an address is refused unless it is ordinary public unicast.
 * IPv6 addresses that carry an IPv4 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`,
 * NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by the IPv4 address inside, since that is
 * where the packets end up.
 */
export type BlockedCategory =
  | "unspecified"
  | "loopback"
  | "private"
  | "link-local"
  | "metadata"
  | "carrier-grade NAT"
  | "multicast"
  | "broadcast"
  | "reserved";

/** Decides one address: the reason it is refused, or undefined when it may be connected to. */
export type AddressPolicy = (address: string) => BlockedCategory | undefined;

export interface NetworkPolicyOptions {
  /**
   * Lets loopback addresses through (local development, where receivers listen on 127.0.0.1).
   * Never on AWS: there loopback is the Lambda runtime API.
   */
  allowLoopback: boolean;
}

type Range = readonly [base: number, prefixLength: number, category: BlockedCategory];

const v4 = (address: string): number =>
  address.split(".").reduce((value, octet) => value * 256 + Number(octet), 0);

// First match wins: the narrower ranges come before the ones that contain them.
const BLOCKED_V4: readonly Range[] = [
  [v4("169.254.169.254"), 32, "metadata"], // EC2/ECS/most clouds' instance metadata
  [v4("255.255.255.255"), 32, "broadcast"],
  [v4("0.0.0.0"), 8, "unspecified"], // "this network": 0.0.0.0 reaches the local host on Linux
  [v4("10.0.0.0"), 8, "private"],
  [v4("100.64.0.0"), 10, "carrier-grade NAT"], // shared address space (also Alibaba's metadata)
  [v4("127.0.0.0"), 8, "loopback"],
  [v4("169.254.0.0"), 16, "link-local"],
  [v4("172.16.0.0"), 12, "private"],
  [v4("192.0.0.0"), 24, "reserved"], // IETF protocol assignments (Oracle Cloud's metadata is here)
  [v4("192.0.2.0"), 24, "reserved"], // documentation
  [v4("192.88.99.0"), 24, "reserved"], // deprecated 6to4 relay anycast
  [v4("192.168.0.0"), 16, "private"],
  [v4("198.18.0.0"), 15, "reserved"], // benchmarking
  [v4("198.51.100.0"), 24, "reserved"], // documentation
  [v4("203.0.113.0"), 24, "reserved"], // documentation
  [v4("224.0.0.0"), 4, "multicast"],
  [v4("240.0.0.0"), 4, "reserved"],
];

function classifyV4(value: number): BlockedCategory | undefined {
  for (const [base, prefixLength, category] of BLOCKED_V4) {
    const size = 2 ** (32 - prefixLength);
    if (value >= base && value < base + size) return category;
  }
  return undefined;
}

/** The eight 16-bit groups of an IPv6 address (already checked with isIPv6), zone id dropped. */
function groupsOfV6(address: string): number[] {
  let text = address.replace(/%.*$/, "").toLowerCase();
  // A trailing dotted quad (::ffff:127.0.0.1) is two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted !== undefined) {
    const value = v4(dotted);
    text = `${text.slice(0, -dotted.length)}${(value >>> 16).toString(16)}:${(value & 0xffff).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string) =>
    part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16));
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

const startsWith = (groups: number[], prefix: number[]) => prefix.every((group, i) => groups[i] === group);
const v4At = (groups: number[], index: number) =>
  ((groups[index] ?? 0) * 0x10000 + (groups[index + 1] ?? 0)) >>> 0;

function classifyV6(groups: number[]): BlockedCategory | undefined {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const firstSixZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (firstSixZero && g5 === 0 && g6 === 0 && g7 === 0) return "unspecified";
  if (firstSixZero && g5 === 0 && g6 === 0 && g7 === 1) return "loopback";
  // IPv4-mapped ::ffff:a.b.c.d: a dual-stack socket sends these to the IPv4 address.
  if (firstSixZero && g5 === 0xffff) return classifyV4(v4At(groups, 6));
  // IPv4-translated ::ffff:0:a.b.c.d (SIIT).
  if (startsWith(groups, [0, 0, 0, 0, 0xffff, 0])) return classifyV4(v4At(groups, 6));
  // IPv4-compatible ::a.b.c.d: deprecated and never a legitimate target, whatever it embeds.
  if (firstSixZero && g5 === 0) return classifyV4(v4At(groups, 6)) ?? "reserved";
  // NAT64 well-known prefix: a public IPv4 address behind it is how IPv6-only networks reach it.
  if (startsWith(groups, [0x64, 0xff9b, 0, 0, 0, 0])) return classifyV4(v4At(groups, 6));
  // Local-use NAT64 (RFC 8215): translated inside the operator's own network.
  if (startsWith(groups, [0x64, 0xff9b, 1])) return "private";
  // 6to4: the IPv4 address of the tunnel end point follows the prefix.
  if (g0 === 0x2002) return classifyV4(v4At(groups, 1));
  if (
    g0 === 0xfd00 &&
    g1 === 0xec2 &&
    g2 === 0 &&
    g3 === 0 &&
    g4 === 0 &&
    g5 === 0 &&
    g6 === 0 &&
    g7 === 0x254
  )
    return "metadata"; // EC2's IPv6 instance metadata endpoint (inside fc00::/7 too)
  if ((g0 & 0xfe00) === 0xfc00) return "private"; // unique local fc00::/7
  if ((g0 & 0xffc0) === 0xfe80) return "link-local"; // fe80::/10
  if ((g0 & 0xffc0) === 0xfec0) return "private"; // deprecated site-local fec0::/10
  if ((g0 & 0xff00) === 0xff00) return "multicast";
  // Everything below is outside the global unicast space, or special inside it.
  if ((g0 & 0xe000) !== 0x2000) return "reserved"; // not 2000::/3 (discard-only 100::/64 included)
  if (g0 === 0x2001 && g1 < 0x200) return "reserved"; // IETF protocol assignments (Teredo, ORCHID...)
  if (g0 === 0x2001 && g1 === 0xdb8) return "reserved"; // documentation
  if ((g0 & 0xfff0) === 0x3ff0) return "reserved"; // documentation 3fff::/20
  return undefined;
}

/**
 * Why an address may not be connected to, whatever the policy: `undefined` for public unicast.
 * Something that is not an IP address at all is refused as `reserved`.
 */
export function classifyAddress(address: string): BlockedCategory | undefined {
  if (isIPv4(address)) return classifyV4(v4(address));
  if (isIPv6(address)) return classifyV6(groupsOfV6(address));
  return "reserved";
}

/** The policy outgoing webhooks connect under: public unicast only, loopback on opt-in. */
export function networkPolicy(options: NetworkPolicyOptions): AddressPolicy {
  return (address) => {
    const category = classifyAddress(address);
    return category === "loopback" && options.allowLoopback ? undefined : category;
  };
}

export function isAddressAllowed(address: string, policy: AddressPolicy): boolean {
  return policy(address) === undefined;
}

const ARTICLE: Record<BlockedCategory, string> = {
  unspecified: "an unspecified",
  loopback: "a loopback",
  private: "a private",
  "link-local": "a link-local",
  metadata: "a cloud metadata",
  "carrier-grade NAT": "a carrier-grade NAT",
  multicast: "a multicast",
  broadcast: "a broadcast",
  reserved: "a reserved",
};

/**
 * The step's failure reason for a refused address: names the host and the kind of address, never
 * the URL (its path or query may hold a token).
 */
export function blockedAddressReason(host: string, address: string, category: BlockedCategory): string {
  const what = `${ARTICLE[category]} address`;
  return host === address
    ? `blocked_address: ${host} is ${what}`
    : `blocked_address: ${host} resolves to ${what} (${address})`;
}
