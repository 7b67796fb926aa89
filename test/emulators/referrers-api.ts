/**
 * Adds the OCI distribution-spec 1.1 referrers API to a CNCF distribution 2.8 registry, which
 * lacks it: a loopback proxy that answers `GET /v2/<name>/referrers/<digest>[?artifactType=]`
 * with an image index of the manifests in `<name>` whose `subject` is `<digest>`, and adds
 * `OCI-Subject: <digest>` to the reply of a manifest PUT carrying a subject (spec "Pushing
 * Manifests with Subject"). Everything else is forwarded untouched, Host header included.
 *
 * Referrers are found by reading the registry's own storage (every manifest revision of the
 * repository), so they are right however a manifest got there. Plain http upstreams only.
 */
import { readdir, readFile } from 'node:fs/promises';
import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const REFERRERS = /^\/v2\/(.+)\/referrers\/(sha256:[0-9a-f]{64})(?:\?(.*))?$/;
const MANIFEST_PUT = /^\/v2\/(.+)\/manifests\/[^/]+$/;

/** A running emulator. */
export interface ReferrersApi {
  host: string;
  url: string;
  /** Referrers requests answered so far. */
  served: number;
  close(): Promise<void>;
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** Starts the emulator in front of `upstream` (`host:port`), reading storage under `dataDir`. */
export async function startReferrersApi(upstream: string, dataDir: string): Promise<ReferrersApi> {
  const [host, port] = upstream.split(':') as [string, string];
  const agent = new Agent({ keepAlive: true });
  const v2 = join(dataDir, 'docker', 'registry', 'v2');
  const state = { served: 0 };

  async function referrers(repo: string, subject: string, artifactType: string | null): Promise<Descriptor[]> {
    const revisions = join(v2, 'repositories', repo, '_manifests', 'revisions', 'sha256');
    const hexes = await readdir(revisions).catch(() => [] as string[]);
    const out: Descriptor[] = [];
    for (const hex of hexes) {
      const bytes = await readFile(join(v2, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data')).catch(() => undefined);
      if (!bytes) continue;
      const m = JSON.parse(bytes.toString('utf8')) as { mediaType?: string; subject?: { digest: string }; artifactType?: string; config?: { mediaType: string }; annotations?: Record<string, string> };
      if (m.subject?.digest !== subject) continue;
      // distribution-spec: artifactType is the manifest's own, else its config media type.
      const type = m.artifactType ?? m.config?.mediaType;
      if (artifactType && type !== artifactType) continue;
      out.push({
        mediaType: m.mediaType ?? 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${hex}`, size: bytes.length,
        ...(type && { artifactType: type }), ...(m.annotations && { annotations: m.annotations }),
      });
    }
    return out;
  }

  function forward(req: IncomingMessage, res: ServerResponse, body?: Buffer, extra: Record<string, string> = {}): void {
    const up = httpRequest({ host, port, method: req.method, path: req.url, headers: req.headers, agent }, (ures) => {
      const headers = [...ures.rawHeaders];
      if ((ures.statusCode ?? 0) < 300) for (const [k, v] of Object.entries(extra)) headers.push(k, v);
      res.writeHead(ures.statusCode ?? 502, ures.statusMessage, headers);
      ures.pipe(res);
    });
    up.on('error', () => res.socket?.destroy());
    if (body) up.end(body);
    else req.pipe(up);
  }

  const server = createServer((req, res) => {
    const ref = req.method === 'GET' ? REFERRERS.exec(req.url ?? '') : null;
    if (ref) {
      const [, repo, subject, query] = ref as unknown as [string, string, string, string | undefined];
      const artifactType = new URLSearchParams(query ?? '').get('artifactType');
      void referrers(repo, subject, artifactType).then((manifests) => {
        state.served++;
        res.writeHead(200, { 'content-type': OCI_INDEX, ...(artifactType && { 'oci-filters-applied': 'artifactType' }) });
        res.end(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
      });
      return;
    }
    if (req.method === 'PUT' && MANIFEST_PUT.test(req.url ?? '')) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        let subject: string | undefined;
        try {
          subject = (JSON.parse(body.toString('utf8')) as { subject?: { digest?: string } }).subject?.digest;
        } catch {
          // not JSON: the registry will say so
        }
        forward(req, res, body, subject ? { 'OCI-Subject': subject } : {});
      });
      return;
    }
    forward(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${own}`,
    url: `http://127.0.0.1:${own}`,
    get served() {
      return state.served;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
