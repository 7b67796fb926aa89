/**
 * ECR's blob uploads, as the emulator enforces them (REGISTRIES.md, "Amazon ECR (private)"):
 * every chunk but the last >= 5 MiB (`LayerPartTooSmallException`), PATCH answered 201, a
 * `Range` that stops updating after the second PATCH, an empty closing PUT after PATCHes
 * answered 500, and `mount`/`from` ignored (BLOB_MOUNTING is opt-in). Bodies are buffered
 * (chunks are a few MiB) so their sizes can be checked before they go upstream.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { RunningRegistry } from '../harness/registry.js';
import type { EcrState } from './ecr-state.js';
import type { EmulatorCall } from './proxy.js';

/** ECR's smallest chunk but the last. */
const MIN_CHUNK = 5 * 1024 * 1024;

/** Sends a buffered request to the upstream registry as if to `publicHost` over https. */
export function forward(upstream: RunningRegistry, publicHost: string, method: string, path: string, headers: IncomingHttpHeaders, body?: Buffer) {
  const target = new URL(upstream.url);
  const out: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (!['authorization', 'host', 'connection', 'transfer-encoding', 'content-length'].includes(k)) out[k] = v;
  }
  out.host = publicHost;
  out['x-forwarded-proto'] = 'https';
  if (body) out['content-length'] = String(body.length);
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = httpRequest({ host: target.hostname, port: target.port, method, path, headers: out }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Writes a buffered upstream answer back to the client. */
export function reply(call: EmulatorCall, status: number, headers: IncomingHttpHeaders, body: Buffer): void {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !['connection', 'transfer-encoding', 'keep-alive'].includes(k)) out[k] = v;
  out['content-length'] = String(body.length);
  call.res.writeHead(status, out);
  call.res.end(body);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The upload session id in `/v2/<repo>/blobs/uploads/<uuid>`. */
function uploadId(path: string): string | undefined {
  return /\/blobs\/uploads\/([^/?]+)/.exec(path)?.[1];
}

/** Answers `/v2/<repo>/blobs/uploads/...` requests. */
export async function handleUpload(call: EmulatorCall, s: EcrState, repo: string): Promise<void> {
  const path = call.url.pathname + call.url.search;
  if (call.method === 'POST') {
    // Blob mounting is an opt-in account setting (REGISTRIES.md); without it ECR ignores
    // `mount`/`from` and opens an ordinary upload session.
    const res = await forward(s.upstream, s.host, 'POST', `/v2/${repo}/blobs/uploads/`, call.req.headers, await call.body());
    const id = uploadId(String(res.headers.location ?? ''));
    if (id) s.uploads.set(id, { chunks: [] });
    return reply(call, res.status, res.headers, res.body);
  }
  const id = uploadId(path) ?? '';
  const session = s.uploads.get(id) ?? { chunks: [] };
  s.uploads.set(id, session);
  if (call.method === 'PATCH' || call.method === 'PUT') await sleep(s.uploadDelayMs);
  const body = await call.body();
  if (call.method === 'PATCH') {
    const previous = session.chunks.at(-1);
    if (previous !== undefined && previous < MIN_CHUNK) {
      s.violations.push(`PATCH after a ${previous}-byte chunk`);
      return call.error(400, 'BLOB_UPLOAD_INVALID', `LayerPartTooSmallException: layer parts must be at least ${MIN_CHUNK} bytes`);
    }
    session.chunks.push(body.length);
    const res = await forward(s.upstream, s.host, 'PATCH', path, call.req.headers, body);
    if (res.status !== 202) return reply(call, res.status, res.headers, res.body);
    // The Range header stops updating after the second PATCH (REGISTRIES.md, ECR).
    if (session.chunks.length <= 2) session.frozenRange = String(res.headers.range ?? '');
    const headers = { ...res.headers, range: session.frozenRange ?? res.headers.range };
    // ECR answers PATCH with 201, not the 202 of the spec.
    return reply(call, 201, headers, res.body);
  }
  if (call.method === 'PUT') {
    const last = session.chunks.at(-1);
    if (body.length === 0 && session.chunks.length > 0) {
      // An empty closing PUT after PATCHes answered 500 (REGISTRIES.md): send the last chunk in the PUT.
      s.violations.push('empty closing PUT');
      return call.error(500, 'UNKNOWN', 'An internal error occurred');
    }
    if (last !== undefined && last < MIN_CHUNK) {
      s.violations.push(`PUT after a ${last}-byte chunk`);
      return call.error(400, 'BLOB_UPLOAD_INVALID', `LayerPartTooSmallException: layer parts must be at least ${MIN_CHUNK} bytes`);
    }
    const res = await forward(s.upstream, s.host, 'PUT', path, call.req.headers, body);
    if (res.status === 201) s.uploads.delete(id);
    return reply(call, res.status, res.headers, res.body);
  }
  const res = await forward(s.upstream, s.host, call.method, path, call.req.headers, await call.body());
  return reply(call, res.status, res.headers, res.body);
}

