import { promises as dns, LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';

/** Cloud metadata endpoints (AWS, GCP, Azure share 169.254.169.254; fd00:ec2::254 is AWS IPv6). */
export const DEFAULT_HTTP_RUNNER_DENY = '169.254.169.254/32,fd00:ec2::254/128';

/** The setting the deny list comes from, named in refusal reasons so operators know what to change. */
const SETTING = 'HTTP_RUNNER_DENY';

interface Subnet {
  cidr: string;
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** One entry, bare address or CIDR; returns the problem as a string when it is not valid. */
function parseCidr(entry: string): Subnet | string {
  const [address, prefixText, ...rest] = entry.split('/');
  const version = address.includes('%') ? 0 : isIP(address);
  if (rest.length > 0 || version === 0) {
    return `"${entry}" is not an IPv4 or IPv6 address or CIDR range`;
  }
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  if (prefixText === undefined) {
    return { cidr: `${address}/${max}`, address, prefix: max, family };
  }
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= max)) {
    return `"${entry}" has a prefix length outside 0-${max}`;
  }
  return { cidr: `${address}/${prefix}`, address, prefix, family };
}

/**
 * Parses a comma-separated list of IPv4/IPv6 CIDRs; a bare address means /32 or /128. Blank
 * entries are skipped, so an empty string is an empty list. Bad entries are reported, not thrown,
 * so configuration validation can list them all at once.
 */
export function parseCidrList(text: string): { cidrs: string[]; problems: string[] } {
  const cidrs: string[] = [];
  const problems: string[] = [];
  for (const entry of text.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const parsed = parseCidr(entry);
    if (typeof parsed === 'string') problems.push(parsed);
    else cidrs.push(parsed.cidr);
  }
  return { cidrs, problems };
}

/** `::ffff:a.b.c.d` in any spelling as its IPv4 address; anything else unchanged. */
function unmapIPv4(address: string): string {
  if (isIP(address) !== 6) return address;
  // The URL parser canonicalises IPv6, so every spelling of a mapped address looks the same.
  const canonical = new URL(`http://[${address}]/`).hostname;
  const mapped = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(canonical);
  if (!mapped) return address;
  const [high, low] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** Refuses destination addresses that fall in any of a list of CIDR ranges. */
export class DestinationPolicy {
  private readonly rules: Array<{ cidr: string; list: BlockList }>;

  /** Throws on an invalid entry: validate configuration with parseCidrList first. */
  constructor(cidrs: readonly string[]) {
    this.rules = cidrs.map((entry) => {
      const subnet = parseCidr(entry.trim());
      if (typeof subnet === 'string') throw new Error(`${SETTING}: ${subnet}`);
      // One list per range so a refusal can name the range that matched.
      const list = new BlockList();
      list.addSubnet(subnet.address, subnet.prefix, subnet.family);
      return { cidr: subnet.cidr, list };
    });
  }

  get cidrs(): string[] {
    return this.rules.map((rule) => rule.cidr);
  }

  /** The reason `address` (an IP literal) is refused, or undefined when it is allowed. */
  check(address: string): string | undefined {
    const bare = address.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
    const ip = unmapIPv4(bare);
    const version = isIP(ip);
    // Fail closed: only addresses can be checked, so anything else must not be connected to.
    if (version === 0) return `destination ${address} is not an IP address`;
    const family = version === 4 ? 'ipv4' : 'ipv6';
    const hit = this.rules.find((rule) => rule.list.check(ip, family));
    return hit ? `destination ${ip} is in ${SETTING} (${hit.cidr})` : undefined;
  }
}

/** The connector's refusal; fetch wraps it as the `cause` of its own error. */
export class DestinationRefusedError extends Error {
  readonly code = 'ERR_DESTINATION_REFUSED';
  override readonly name = 'DestinationRefusedError';
}

export type LookupAll = (hostname: string) => Promise<LookupAddress[]>;

const systemLookup: LookupAll = (hostname) => dns.lookup(hostname, { all: true });

export interface PolicyConnectorOptions {
  /** Name resolution; the system resolver by default. */
  lookup?: LookupAll;
  /** Opens the socket once the address is allowed; undici's own connector by default. */
  connect?: buildConnector.connector;
}

/**
 * The address to connect to for `hostname` (an IP literal or a name), or a DestinationRefusedError.
 * Every resolved address is checked, not only the one used, so a name cannot smuggle a denied
 * address in behind an allowed one.
 */
async function allowedTarget(
  policy: DestinationPolicy,
  lookup: LookupAll,
  hostname: string,
): Promise<{ address: string; servername?: string }> {
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  const literal = isIP(host) !== 0;
  const addresses = literal ? [host] : (await lookup(host)).map((entry) => entry.address);
  if (addresses.length === 0) throw new Error(`${host} resolved to no address`);
  for (const address of addresses) {
    const reason = policy.check(address);
    if (reason) throw new DestinationRefusedError(reason);
  }
  return { address: addresses[0], servername: literal ? undefined : host };
}

/**
 * An undici connector that checks each connection's destination after name resolution and
 * connects to the very address it checked, so DNS rebinding between check and connect is moot.
 */
export function createPolicyConnector(
  policy: DestinationPolicy,
  options: PolicyConnectorOptions = {},
): buildConnector.connector {
  const lookup = options.lookup ?? systemLookup;
  const connect = options.connect ?? buildConnector({});
  return (target, callback) => {
    allowedTarget(policy, lookup, target.hostname).then(
      ({ address, servername }) => {
        try {
          // servername keeps TLS SNI and certificate checks on the name, not the address.
          connect(
            { ...target, hostname: address, servername: target.servername || servername },
            callback,
          );
        } catch (error) {
          callback(error as Error, null);
        }
      },
      (error: Error) => callback(error, null),
    );
  };
}

/** An undici Agent whose every connection, redirects included, goes through the policy. */
export function createPolicyAgent(
  policy: DestinationPolicy,
  options: PolicyConnectorOptions = {},
): Agent {
  return new Agent({ connect: createPolicyConnector(policy, options) });
}
