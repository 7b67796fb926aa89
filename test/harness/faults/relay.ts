/**
 * The body faults of the fault proxy (test/harness/fault-proxy.ts): relaying an upstream
 * response while stalling, truncating or corrupting its body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Fault, RecordedRequest } from '../fault-proxy.js';

/** The faults that alter a response body on its way. */
export type BodyFault = Extract<Fault, { type: 'stall-response' | 'truncate' | 'corrupt' }>;

/** True for a {@link BodyFault}. */
export function isBodyFault(f: Fault): f is BodyFault {
  return f.type === 'stall-response' || f.type === 'truncate' || f.type === 'corrupt';
}

/** Response headers as a flat list without `Content-Length` (and chunked framing in its place). */
function withoutLength(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name !== 'content-length' && name !== 'transfer-encoding') out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

/** Relays an upstream response with a body fault applied; see {@link Fault}. */
export function relayAltered(ures: IncomingMessage, res: ServerResponse, record: RecordedRequest, fault: BodyFault): void {
  const length = Number(ures.headers['content-length']);
  // A truncated body must end cleanly, so its length cannot be announced.
  res.writeHead(ures.statusCode ?? 502, ures.statusMessage, fault.type === 'truncate' ? withoutLength(ures.rawHeaders) : ures.rawHeaders);
  const corruptAt = fault.type === 'corrupt' ? (Number.isSafeInteger(length) && length > 0 ? Math.min(fault.at, length - 1) : fault.at) : -1;
  const limit = fault.type === 'corrupt' ? Infinity : fault.afterBytes;
  let stopped = false;
  ures.on('data', (chunk: Buffer) => {
    if (stopped) return;
    const start = record.responseBytes;
    let part = chunk.length > limit - start ? chunk.subarray(0, Math.max(0, limit - start)) : chunk;
    if (corruptAt >= start && corruptAt < start + part.length) {
      part = Buffer.from(part);
      part[corruptAt - start] ^= 0xff;
    }
    record.responseBytes += part.length;
    if (part.length > 0) res.write(part);
    if (record.responseBytes >= limit) {
      stopped = true;
      ures.destroy();
      // A stall keeps the client's socket open and silent: only its own timeout ends the wait.
      if (fault.type === 'truncate') res.end();
      else res.flushHeaders();
    }
  });
  ures.on('end', () => {
    if (!stopped) res.end();
  });
  ures.on('error', () => {
    if (!stopped) res.socket?.destroy();
  });
}
