/**
 * Registry host names: `host[:port]`, where host is a DNS name, an IPv4 address, or an IPv6
 * address in brackets.
 *
 *     registry     ::= host [":" port]
 *     host         ::= domain-name | "[" ipv6-address "]"
 *     domain-name  ::= label ("." label)*          (IPv4 dotted quads fit this too)
 *     label        ::= [a-zA-Z0-9] | [a-zA-Z0-9] [a-zA-Z0-9-]* [a-zA-Z0-9]
 *     port         ::= [0-9]+                        (value 1-65535)
 *
 * Host names are case-insensitive (RFC 4343), so regctl lowercases them: `GHCR.io` and
 * `ghcr.io` must find the same credentials.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { hasWhitespaceOrControl, quote } from './quote.js';
import { RegctlError } from '../errors.js';

/** The name regctl uses for Docker Hub in references and output. */
export const DOCKER_HUB = 'docker.io';

/**
 * Every name Docker Hub goes by. docker/cli treats `docker.io` and `index.docker.io` as Hub;
 * REGISTRIES.md (Docker Hub) adds `registry-1.docker.io`, the host clients actually connect to.
 */
export const DOCKER_HUB_ALIASES: readonly string[] = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];

interface HostParts {
  hostname: string;
  port?: number;
  /** The hostname was written in brackets, i.e. an IPv6 literal. */
  bracketed: boolean;
}

const LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const DOMAIN_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

function parsePort(text: string): number | string {
  if (text === '') return 'port is empty';
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) return `invalid port ${quote(text)} (must be 1-65535)`;
  return port;
}

/** Splits and checks a host; returns a problem description instead of throwing. */
function parseHostParts(host: string): HostParts | string {
  if (host === '') return 'registry host is empty';
  let hostname: string;
  let portText: string | undefined;
  let bracketed = false;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) return `unclosed "[" in registry host ${quote(host)}`;
    hostname = host.slice(1, close);
    const rest = host.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return `unexpected ${quote(rest)} after "]" in registry host`;
    if (rest !== '') portText = rest.slice(1);
    bracketed = true;
    // Zone IDs (%eth0) are refused: they are meaningless off this machine and docker refuses them.
    if (!/^[0-9a-fA-F:.]+$/.test(hostname) || !isIPv6(hostname)) {
      return `${quote(hostname)} is not a valid IPv6 address`;
    }
  } else {
    const colons = host.split(':').length - 1;
    if (colons > 1) {
      // A bare IPv6 literal: only unambiguous without a port.
      if (/^[0-9a-fA-F:.]+$/.test(host) && isIPv6(host)) return { hostname: host, bracketed: false };
      return `invalid registry host ${quote(host)} (IPv6 addresses need brackets, e.g. [::1]:5000)`;
    }
    const colon = host.indexOf(':');
    hostname = colon < 0 ? host : host.slice(0, colon);
    if (colon >= 0) portText = host.slice(colon + 1);
    if (hostname === '') return 'registry host name is empty';
    if (!DOMAIN_NAME.test(hostname)) return `invalid registry host name ${quote(hostname)}`;
  }
  if (portText === undefined) return { hostname, bracketed };
  const port = parsePort(portText);
  if (typeof port === 'string') return port;
  return { hostname, port, bracketed };
}

/**
 * Says what is wrong with a registry host (`host[:port]`, IPv6 in brackets), or undefined when
 * it is valid. Bare IPv6 literals are refused here: in a reference they would be ambiguous.
 */
export function hostProblem(host: string): string | undefined {
  const parts = parseHostParts(host);
  if (typeof parts === 'string') return parts;
  if (parts.hostname.includes(':') && !parts.bracketed) {
    return `invalid registry host ${quote(host)} (IPv6 addresses need brackets, e.g. [::1]:5000)`;
  }
  return undefined;
}

/**
 * Splits `host[:port]`. IPv6 addresses come back without brackets (`[::1]:5000` ->
 * `{ hostname: '::1', port: 5000 }`); a bare IPv6 literal without port is accepted too.
 * Throws `INVALID_REFERENCE` on a malformed host or a port outside 1-65535.
 */
export function splitHostPort(host: string): { hostname: string; port?: number } {
  const parts = parseHostParts(host);
  if (typeof parts === 'string') throw new RegctlError('INVALID_REFERENCE', `invalid registry host ${quote(host)}: ${parts}`);
  return parts.port === undefined ? { hostname: parts.hostname } : { hostname: parts.hostname, port: parts.port };
}

/** Joins a hostname and optional port, bracketing IPv6 literals (`::1`, 5000 -> `[::1]:5000`). */
export function joinHostPort(hostname: string, port?: number): string {
  const h = hostname.includes(':') ? `[${hostname}]` : hostname;
  return port === undefined ? h : `${h}:${port}`;
}

/**
 * Normalises a valid registry host: lowercase, port without leading zeros, Docker Hub aliases
 * folded into {@link DOCKER_HUB}. Throws `INVALID_REFERENCE` when the host is invalid.
 */
export function normalizeRegistryHost(host: string): string {
  const problem = hostProblem(host);
  if (problem !== undefined) throw new RegctlError('INVALID_REFERENCE', `invalid registry host ${quote(host)}: ${problem}`);
  const { hostname, port } = splitHostPort(host);
  const joined = joinHostPort(hostname.toLowerCase(), port);
  return DOCKER_HUB_ALIASES.includes(joined) ? DOCKER_HUB : joined;
}

/**
 * Parses a registry as a user names it on the command line (`regctl login`, `regctl list`):
 * `host[:port]`, optionally as a URL (`https://ghcr.io`, docker's own Hub key
 * `https://index.docker.io/v1/`). Only an empty, `/`, `/v1/` or `/v2/` path is allowed, since
 * anything longer is a repository, not a registry. Returns the normalised host.
 */
export function parseRegistry(input: string): string {
  const fail = (why: string): never => {
    throw new RegctlError('INVALID_REFERENCE', `invalid registry ${quote(input)}: ${why}`);
  };
  if (input === '') fail('empty');
  if (hasWhitespaceOrControl(input)) fail('contains whitespace or control characters');
  const host = input.replace(/^https?:\/\//i, '').replace(/\/(?:v[12]\/?)?$/, '');
  if (host.includes('/')) fail('expected a registry host such as ghcr.io or localhost:5000, not a repository path');
  if (host.includes('@')) fail('user information is not allowed in a registry name');
  const problem = hostProblem(host);
  if (problem !== undefined) fail(problem);
  return normalizeRegistryHost(host);
}

/**
 * True for hosts that reach this machine: `localhost`, `*.localhost` (RFC 6761), 127.0.0.0/8,
 * `::1` (and its IPv4-mapped form `::ffff:127.x.y.z`), each with or without port or brackets.
 * These get docker's https-then-http fallback. Never throws; malformed hosts are not loopback.
 */
export function isLoopbackHost(host: string): boolean {
  let hostname: string;
  try {
    hostname = splitHostPort(host).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  if (isIPv4(hostname)) return hostname.startsWith('127.');
  if (isIPv6(hostname)) {
    // WHATWG URL parsing canonicalises IPv6 (0:0:0:0:0:0:0:1 -> ::1, mapped IPv4 -> hex).
    const canonical = new URL(`http://[${hostname}]/`).hostname.slice(1, -1);
    if (canonical === '::1') return true;
    return /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(canonical);
  }
  return false;
}
