/**
 * Image references: what users type (`alpine`, `ghcr.io/org/app:1.2@sha256:...`) parsed once,
 * at the edge, into an {@link ImageReference} that the rest of regctl passes around.
 */
import { RegctlError } from '../errors.js';
import { assertDigest, digestProblem } from './digest.js';
import { DOCKER_HUB, hostProblem, normalizeRegistryHost, parseRegistry } from './host.js';
import { repositoryPathProblem } from './path.js';
import { hasWhitespaceOrControl, quote } from './quote.js';
import { assertValidTag, tagProblem } from './tag.js';

export { assertValidTag, isValidTag } from './tag.js';

/** A registry and a repository in it, without tag or digest. */
export interface RepositoryName {
  /** Normalised host as a user names it: `docker.io`, `ghcr.io`, `localhost:5000`, `[::1]:5000`. */
  registry: string;
  /** The full path inside the registry: `library/alpine`, `org/team/app`. */
  repository: string;
}

/** A parsed image reference. With both `tag` and `digest`, the digest decides what is fetched. */
export interface ImageReference extends RepositoryName {
  tag?: string;
  digest?: string;
}

/** Options for {@link parseReference}. */
export interface ParseReferenceOptions {
  /** Give a reference without tag and digest the tag `latest` (default true). */
  defaultTag?: boolean;
}

/** Longest `registry/repository` docker and distribution accept (NameTotalLengthMax). */
export const MAX_NAME_LENGTH = 255;

const DOCKER_PREFIX = 'docker://';

/**
 * Parses an image reference, normalising it the way docker does.
 *
 *     input       ::= ["docker://"] reference
 *     reference   ::= name [":" tag] ["@" digest]
 *     name        ::= [registry "/"] path               (at most 255 chars once normalised)
 *     registry    ::= host [":" port]                   (see host.ts; port 1-65535)
 *     path        ::= component ("/" component)*        (see path.ts; lowercase only)
 *     component   ::= [a-z0-9]+ (("." | "_" | "__" | "-"+) [a-z0-9]+)*
 *     tag         ::= [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
 *     digest      ::= ("sha256:" hex{64}) | ("sha512:" hex{128})       (lowercase hex)
 *
 * The first path component is the registry when it contains "." or ":", is `localhost`, or is
 * a bracketed IPv6 address; otherwise the registry is Docker Hub. (Docker also treats an
 * uppercase first component as a host; regctl does not, so `Foo/bar` reports the uppercase
 * mistake instead of trying to reach a host called "foo".) Hosts are lowercased; the Hub
 * aliases `index.docker.io` and `registry-1.docker.io` become `docker.io`, and one-component
 * Hub names get `library/`. Throws `INVALID_REFERENCE` naming the input and the problem.
 */
export function parseReference(input: string, opts: ParseReferenceOptions = {}): ImageReference {
  const ref = splitReference(input);
  if (ref.tag === undefined && ref.digest === undefined && opts.defaultTag !== false) ref.tag = 'latest';
  return ref;
}

/**
 * Parses a repository without tag or digest (`regctl list <repository>`), with the same
 * normalisation as {@link parseReference}.
 */
export function parseRepository(input: string): RepositoryName {
  const ref = splitReference(input);
  if (ref.tag !== undefined || ref.digest !== undefined) {
    const what = ref.digest !== undefined ? `a digest (@${ref.digest})` : `a tag (:${ref.tag})`;
    throw new RegctlError('INVALID_REFERENCE', `invalid repository ${quote(input)}: must not include ${what}`, {
      hint: 'Name a repository such as ghcr.io/org/app; a name with no "/" is never a registry.',
    });
  }
  return { registry: ref.registry, repository: ref.repository };
}

/**
 * True when `input` names a registry rather than a repository, for commands that take either
 * (`regctl list`): a URL (`https://host`), or a single component with no "/" that is a valid
 * host and contains "." (`ghcr.io`), is `localhost[:port]`, or is a bracketed IPv6 address.
 * `myhost:5000` is ambiguous with `alpine:3` and counts as a repository, as in docker.
 */
export function isRegistryName(input: string): boolean {
  try {
    parseRegistry(input);
  } catch {
    return false;
  }
  if (/^https?:\/\//i.test(input)) return true;
  if (input.includes('/')) return false;
  const hostname = input.startsWith('[') ? input : input.replace(/:[^:]*$/, '');
  return hostname.includes('.') || hostname.toLowerCase() === 'localhost' || hostname.startsWith('[');
}

function splitReference(input: string): ImageReference {
  const fail = (why: string): never => {
    throw new RegctlError('INVALID_REFERENCE', `invalid reference ${quote(input)}: ${why}`);
  };
  if (input === '') fail('empty');
  if (hasWhitespaceOrControl(input)) fail('contains whitespace or control characters');
  const s = input.startsWith(DOCKER_PREFIX) ? input.slice(DOCKER_PREFIX.length) : input;
  if (s === '') fail(`empty after ${quote(DOCKER_PREFIX)}`);
  // docker refuses a bare 64-hex name: it reads as an image ID, not a repository.
  if (/^[a-f0-9]{64}$/.test(s)) fail('looks like an image ID (64 hex characters); write a digest as <name>@sha256:<hex>');

  const at = s.indexOf('@');
  const nameAndTag = at < 0 ? s : s.slice(0, at);
  const digest = at < 0 ? undefined : s.slice(at + 1);
  if (digest !== undefined) {
    const problem = digestProblem(digest);
    if (problem !== undefined) fail(problem);
  }

  let registry = DOCKER_HUB;
  let rest = nameAndTag;
  const slash = nameAndTag.indexOf('/');
  if (slash >= 0 && looksLikeHost(nameAndTag.slice(0, slash))) {
    const host = nameAndTag.slice(0, slash);
    const problem = hostProblem(host);
    if (problem !== undefined) fail(problem);
    registry = normalizeRegistryHost(host);
    rest = nameAndTag.slice(slash + 1);
  }

  // Past the registry no ":" can belong to the path, so the first one starts the tag.
  const colon = rest.indexOf(':');
  const path = colon < 0 ? rest : rest.slice(0, colon);
  const tag = colon < 0 ? undefined : rest.slice(colon + 1);
  const pathProblem = repositoryPathProblem(path);
  if (pathProblem !== undefined) fail(pathProblem);
  if (tag !== undefined) {
    const problem = tagProblem(tag);
    if (problem !== undefined) fail(problem);
  }

  const repository = registry === DOCKER_HUB && !path.includes('/') ? `library/${path}` : path;
  const name = `${registry}/${repository}`;
  if (name.length > MAX_NAME_LENGTH) fail(`repository name longer than ${MAX_NAME_LENGTH} characters (${name.length})`);

  const ref: ImageReference = { registry, repository };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** docker's rule for "is the first path component a registry host?" (see parseReference). */
function looksLikeHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component.startsWith('[') || component.toLowerCase() === 'localhost';
}

/** `registry/repository`, e.g. `docker.io/library/alpine`. */
export function repositoryPath(ref: RepositoryName): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The canonical full form: `docker.io/library/alpine:latest`, `ghcr.io/o/a:1@sha256:...`. */
export function formatReference(ref: ImageReference): string {
  return `${repositoryPath(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/**
 * A copy of `ref` pinned to `digest`. The tag is kept, so output such as
 * `ghcr.io/o/a:1@sha256:...` still says which tag was resolved.
 */
export function withDigest(ref: ImageReference, digest: string): ImageReference {
  assertDigest(digest);
  return { ...ref, digest };
}

/**
 * A copy of `ref` with `tag` and no digest: a reference with both resolves by digest, so
 * keeping the old digest would make the new tag meaningless as a push target.
 */
export function withTag(ref: ImageReference, tag: string): ImageReference {
  assertValidTag(tag);
  return { registry: ref.registry, repository: ref.repository, tag };
}

/**
 * What goes after `/v2/<name>/manifests/`: the digest when there is one (it wins over the tag),
 * else the tag. Throws `INVALID_REFERENCE` when the reference has neither.
 */
export function manifestReference(ref: ImageReference): string {
  const r = ref.digest ?? ref.tag;
  if (r === undefined) {
    throw new RegctlError('INVALID_REFERENCE', `reference ${quote(repositoryPath(ref))} has neither a tag nor a digest`);
  }
  return r;
}
