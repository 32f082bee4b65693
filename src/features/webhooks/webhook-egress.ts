import { lookup } from 'node:dns/promises';
import { invalidInput, StrataError } from '../../core/errors.ts';
import { type AddressBlock, type IpAddress, inBlock, parseAddressBlock, parseIpAddress, restrictedKind } from './ip-address.ts';

/** One resolved address of a host name. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (default: the system resolver, `dns.lookup` with `all`). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** Where webhooks may be delivered. */
export interface WebhookEgressOptions {
  /**
   * Receivers allowed even though they are loopback, private, link-local or otherwise
   * restricted: CIDR blocks (`10.1.0.0/16`, `fd00::/8`), single addresses, or host names
   * (`hooks.internal`, or `*.internal` for every name under it). Default
   * `STRATA_WEBHOOK_ALLOW` (comma separated), else nothing.
   */
  allow?: readonly string[];
  /** The resolver used at delivery time. Injectable for tests. */
  resolve?: HostResolver;
}

/** The outcome of checking a receiver's host at delivery time. */
export type EgressDecision = { allowed: true; addresses: ResolvedAddress[] } | { allowed: false };

/**
 * The egress policy of webhook delivery. A receiver must be a public unicast address unless the
 * allow-list names it: checked on the URL when a webhook is created, and again on every address
 * the host resolves to just before each delivery (so a name re-pointed at an internal address
 * after creation, DNS rebinding, is refused too); the connection then goes to exactly the
 * addresses checked.
 */
export interface WebhookEgress {
  /** Throws `invalid_input` naming `field` if `url`'s host is a restricted literal or a localhost name. */
  checkUrl(url: string, field?: string): void;
  /** Resolves `hostname` and decides whether every address it has may be reached. */
  addressesFor(hostname: string): Promise<EgressDecision>;
}

const localhostAddresses: ResolvedAddress[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

/**
 * Builds the egress policy. A bad allow-list entry is a `misconfigured` error naming
 * `STRATA_WEBHOOK_ALLOW` (or `webhooks.allow` when it came from options).
 */
export function createWebhookEgress(options: WebhookEgressOptions = {}, environment: NodeJS.ProcessEnv = process.env): WebhookEgress {
  const fromOptions = options.allow !== undefined;
  const source = fromOptions ? 'webhooks.allow' : 'STRATA_WEBHOOK_ALLOW';
  const entries = options.allow ?? (environment.STRATA_WEBHOOK_ALLOW ?? '').split(',');
  const blocks: AddressBlock[] = [];
  const hosts: string[] = [];
  const suffixes: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    const block = parseAddressBlock(entry);
    if (block !== undefined) blocks.push(block);
    else if (/^\*\.[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(entry)) suffixes.push(entry.slice(1));
    else if (/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(entry)) hosts.push(entry);
    else {
      throw new StrataError('misconfigured', `${source}: ${JSON.stringify(raw)} is not a CIDR block, an address or a host name`, {
        details: { variable: source },
      });
    }
  }
  const resolve = options.resolve ?? systemResolver;

  const hostAllowed = (hostname: string) => hosts.includes(hostname) || suffixes.some((suffix) => hostname.endsWith(suffix));
  const addressAllowed = (address: IpAddress) => restrictedKind(address) === undefined || blocks.some((block) => inBlock(address, block));
  const allAllowed = (addresses: readonly ResolvedAddress[]) =>
    addresses.length > 0 &&
    addresses.every((resolved) => {
      const parsed = parseIpAddress(resolved.address);
      return parsed !== undefined && addressAllowed(parsed);
    });
  const isLocalhost = (hostname: string) => hostname === 'localhost' || hostname.endsWith('.localhost');

  return {
    checkUrl(url, field = 'url') {
      const hostname = new URL(url).hostname.toLowerCase().replace(/\.$/, '');
      if (hostAllowed(hostname)) return;
      const literal = parseIpAddress(hostname);
      if (literal !== undefined && !addressAllowed(literal)) {
        throw invalidInput(
          field,
          `points at a ${restrictedKind(literal)} address; only public receivers are allowed unless STRATA_WEBHOOK_ALLOW lists it`,
        );
      }
      if (isLocalhost(hostname) && !allAllowed(localhostAddresses)) {
        throw invalidInput(field, 'points at localhost; only public receivers are allowed unless STRATA_WEBHOOK_ALLOW lists it');
      }
    },

    async addressesFor(rawHostname) {
      const hostname = rawHostname.toLowerCase().replace(/\.$/, '');
      const literal = parseIpAddress(hostname);
      if (literal !== undefined) {
        const address = hostname.replace(/^\[|\]$/g, '');
        return hostAllowed(hostname) || addressAllowed(literal)
          ? { allowed: true, addresses: [{ address, family: literal.family }] }
          : { allowed: false };
      }
      const addresses = isLocalhost(hostname) ? localhostAddresses : await resolve(hostname);
      if (addresses.length === 0) return { allowed: false };
      return hostAllowed(hostname) || allAllowed(addresses) ? { allowed: true, addresses } : { allowed: false };
    },
  };
}

async function systemResolver(hostname: string): Promise<ResolvedAddress[]> {
  const found = await lookup(hostname, { all: true, verbatim: true });
  return found.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
}
