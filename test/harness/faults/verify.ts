/**
 * Independent checks of what a run left behind, without regctl: manifests and blobs are read
 * straight from the registry (not through the fault proxy) or from the layout directory, and
 * every byte is hashed here. "Lost" content is any tag or stored manifest whose graph is not
 * complete and correct, and any blob file that does not hash to its name.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { authHeadersFor } from '../images.js';
import type { RunningRegistry } from '../registry.js';

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Reads content by kind and digest; undefined when absent. */
export interface ContentStore {
  manifest(ref: string): Promise<Buffer | undefined>;
  blob(digest: string): Promise<Buffer | undefined>;
}

/** The repository `repo` of a harness registry, read directly over HTTP with full rights. */
export function registryStore(reg: RunningRegistry, repo: string): ContentStore {
  const get = async (kind: 'manifests' | 'blobs', ref: string): Promise<Buffer | undefined> => {
    const res = await request(`${reg.url}/v2/${repo}/${kind}/${ref}`, { headers: { ...(await authHeadersFor(reg, repo)), accept: ACCEPT } });
    if (res.statusCode === 404) return void (await res.body.dump());
    if (res.statusCode !== 200) throw new Error(`GET ${kind}/${ref} in ${repo}: HTTP ${res.statusCode}`);
    return Buffer.from(await res.body.arrayBuffer());
  };
  return { manifest: (ref) => get('manifests', ref), blob: (d) => get('blobs', d) };
}

/** An OCI layout directory: manifests and blobs are both files under `blobs/`; tags via index.json. */
export function layoutStore(dir: string): ContentStore & { tags(): Promise<Map<string, string>> } {
  const blob = async (digest: string) => {
    const [alg, hex] = digest.split(':');
    return readFile(join(dir, 'blobs', alg!, hex!)).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
  };
  const tags = async () => {
    const text = await readFile(join(dir, 'index.json'), 'utf8').catch(() => undefined);
    const out = new Map<string, string>();
    if (text === undefined) return out;
    const index = JSON.parse(text) as { manifests?: Array<{ digest: string; annotations?: Record<string, string> }> };
    for (const m of index.manifests ?? []) {
      const name = m.annotations?.['org.opencontainers.image.ref.name'];
      if (name) out.set(name, m.digest);
    }
    return out;
  };
  return { blob, manifest: async (ref) => (ref.startsWith('sha256:') ? blob(ref) : undefined), tags };
}

/**
 * Problems with the graph under `digest` in `store`: missing or wrong manifests, configs and
 * layers. An empty list means complete and correct.
 */
export async function graphProblems(store: ContentStore, digest: string, depth = 0): Promise<string[]> {
  const bytes = await store.manifest(digest);
  if (!bytes) return [`manifest ${digest} missing`];
  if (sha256(bytes) !== digest) return [`manifest ${digest} has the wrong content`];
  if (depth > 4) return [`manifest ${digest} nests too deep`];
  const doc = JSON.parse(bytes.toString('utf8')) as { manifests?: Array<{ digest: string }>; config?: { digest: string; size: number }; layers?: Array<{ digest: string; size: number }> };
  const problems: string[] = [];
  for (const child of doc.manifests ?? []) problems.push(...(await graphProblems(store, child.digest, depth + 1)));
  for (const b of [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])]) {
    const data = await store.blob(b.digest);
    if (!data) problems.push(`blob ${b.digest} missing`);
    else if (data.length !== b.size || sha256(data) !== b.digest) problems.push(`blob ${b.digest} has the wrong content`);
  }
  return problems;
}

/** Tags and manifest revisions distribution holds for `repo`, from its storage directory. */
export async function storedManifests(reg: RunningRegistry, repo: string): Promise<{ tags: string[]; revisions: string[] }> {
  const base = join(reg.dataDir, 'docker/registry/v2/repositories', repo, '_manifests');
  const list = (p: string) => readdir(p).catch(() => [] as string[]);
  return {
    tags: await list(join(base, 'tags')),
    revisions: (await list(join(base, 'revisions/sha256'))).map((h) => `sha256:${h}`),
  };
}

/** What a destination holds after a run. */
export interface DestinationCheck {
  /** Digest the tag points at, if it exists. */
  tagged?: string;
  /** Every problem found: incomplete graphs behind a tag or a stored manifest, corrupt or stray files. */
  problems: string[];
}

/** Checks a registry repository: the tag, and every manifest stored in it, must have complete graphs. */
export async function checkRegistryDestination(reg: RunningRegistry, repo: string, tag: string): Promise<DestinationCheck> {
  const store = registryStore(reg, repo);
  const { tags, revisions } = await storedManifests(reg, repo);
  const problems: string[] = [];
  let tagged: string | undefined;
  if (tags.includes(tag)) {
    const bytes = await store.manifest(tag);
    if (!bytes) problems.push(`tag ${tag} is listed in storage but does not resolve`);
    else tagged = sha256(bytes);
  }
  for (const digest of new Set([...revisions, ...(tagged ? [tagged] : [])])) {
    for (const p of await graphProblems(store, digest)) problems.push(`${digest === tagged ? `tag ${tag}` : 'stored manifest'}: ${p}`);
  }
  return { ...(tagged && { tagged }), problems };
}

/**
 * Checks an OCI layout: every file under `blobs/` hashes to its name (a partial or corrupt
 * blob would not), no temporary file is left, and every tag has a complete graph.
 */
export async function checkLayoutDestination(dir: string, tag: string): Promise<DestinationCheck> {
  const problems: string[] = [];
  const algDir = join(dir, 'blobs', 'sha256');
  for (const name of await readdir(algDir).catch(() => [] as string[])) {
    if (!/^[a-f0-9]{64}$/.test(name)) {
      problems.push(`stray file blobs/sha256/${name}`);
      continue;
    }
    const data = await readFile(join(algDir, name));
    if (sha256(data) !== `sha256:${name}`) problems.push(`blob file ${name} does not hash to its name`);
  }
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!['blobs', 'index.json', 'oci-layout'].includes(name)) problems.push(`stray file ${name}`);
  }
  const store = layoutStore(dir);
  let tags: Map<string, string>;
  try {
    tags = await store.tags();
  } catch (e) {
    return { problems: [...problems, `index.json does not parse: ${(e as Error).message}`] };
  }
  for (const [name, digest] of tags) for (const p of await graphProblems(store, digest)) problems.push(`tag ${name}: ${p}`);
  const tagged = tags.get(tag);
  return { ...(tagged && { tagged }), problems };
}
