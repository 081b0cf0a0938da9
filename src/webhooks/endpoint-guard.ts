import dns from 'node:dns';
import net from 'node:net';
import { buildConnector } from 'undici';

/**
 * Webhook URLs must lead to the public internet: a party could otherwise make the hub
 * POST into its own network (SSRF). The URL is checked when subscribed, and every
 * connection is checked again when it is opened, on the addresses actually dialled, so
 * a name that resolves elsewhere later (DNS rebinding) gains nothing. Operators of closed
 * networks and tests lift both checks with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true.
 */
const NOT_PUBLIC = new net.BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local (cloud metadata endpoints live here)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and broadcast
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible range
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');
}
// NAT64 (64:ff9b::/96) carries an IPv4 address in its last 32 bits; IPv4-mapped addresses
// (::ffff:a.b.c.d) are matched against the IPv4 rules by the BlockList itself.
const NAT64 = new net.BlockList();
NAT64.addSubnet('64:ff9b::', 96, 'ipv6');

/** Whether an IP address (v4 or v6) is one webhooks may be sent to without the operator's leave. */
export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return false;
  if (family === 4) return !NOT_PUBLIC.check(address, 'ipv4');
  if (NOT_PUBLIC.check(address, 'ipv6')) return false;
  if (NAT64.check(address, 'ipv6')) return isPublicAddress(embeddedIpv4(address));
  return true;
}

/** The IPv4 address in the last 32 bits of an IPv6 address. */
function embeddedIpv4(address: string): string {
  const groups = expandIpv6(address);
  const high = groups[6]!;
  const low = groups[7]!;
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

function expandIpv6(address: string): number[] {
  const withoutV4 = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`);
  const [head = '', tail] = withoutV4.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((g) => parseInt(g, 16));
}

const RESOLVE_TIMEOUT_MS = 5000;

/**
 * Why a subscription URL is refused, or undefined when it may be used. Resolves the host
 * and refuses it if any of its addresses is not public.
 */
export async function webhookUrlProblem(url: string, allowPrivateNetworks: boolean): Promise<string | undefined> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not an absolute URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'must be an http or https URL';
  // Credentials in the URL would be stored and shown in lists; the signature authenticates the hub instead.
  if (parsed.username || parsed.password) return 'must not carry a user name or password';
  if (parsed.hash) return 'must not carry a fragment';
  if (allowPrivateNetworks) return undefined;

  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (net.isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await resolveAll(host);
    } catch (error) {
      return `has a host that does not resolve (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
    }
  }
  const refused = addresses.find((a) => !isPublicAddress(a));
  if (refused) return `${net.isIP(host) ? 'is' : 'resolves to'} ${refused}, a private, loopback or otherwise non-public address; the hub delivers only to public addresses`;
  return undefined;
}

function resolveAll(host: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEOUT' })), RESOLVE_TIMEOUT_MS);
    dns.lookup(host, { all: true, verbatim: true }, (error, addresses) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(addresses.map((a) => a.address));
    });
  });
}

export class NonPublicAddressError extends Error {
  override name = 'NonPublicAddressError';
  readonly code = 'E_NON_PUBLIC_ADDRESS';
}

/** dns.lookup, failing when any address of the name is not public (net.connect calls it while connecting). */
const publicOnlyLookup: net.LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    if (refused) return callback(new NonPublicAddressError(`${hostname} resolves to ${refused.address}, not a public address`), '', 0);
    if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
    const first = addresses[0];
    if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
    return callback(null, first.address, first.family);
  });
};

/**
 * The connector of the delivery agent: dials only public addresses (IP literals checked
 * directly, names through the checking lookup), unless private networks are allowed.
 */
export function deliveryConnector(options: { allowPrivateNetworks: boolean; connectTimeoutMs: number }): buildConnector.connector {
  if (options.allowPrivateNetworks) return buildConnector({ timeout: options.connectTimeoutMs });
  const connect = buildConnector({ timeout: options.connectTimeoutMs, lookup: publicOnlyLookup } as buildConnector.BuildOptions);
  return (connectOptions, callback) => {
    const { hostname } = connectOptions;
    if (net.isIP(hostname) && !isPublicAddress(hostname)) {
      callback(new NonPublicAddressError(`${hostname} is not a public address`), null);
      return;
    }
    connect(connectOptions, callback);
  };
}
