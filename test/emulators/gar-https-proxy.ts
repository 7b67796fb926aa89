/**
 * A forward proxy for the Google SDK's own HTTPS traffic. google-auth-library posts
 * service-account grants and gcloud refresh tokens to the hard-coded
 * `https://oauth2.googleapis.com/token` (gtoken getToken.js ignores a key file's `token_uri`), so
 * the one real seam to reach an emulator is the one corporate networks use: `HTTPS_PROXY`, which
 * gaxios honours (with `NO_PROXY`). This proxy answers `CONNECT <name>:443` for the emulator's
 * names with a tunnel to its TLS port, and refuses any other destination.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';

/** A running CONNECT proxy. */
export interface HttpsProxy {
  /** `http://127.0.0.1:<port>` for HTTPS_PROXY. */
  url: string;
  /** CONNECT targets seen, `host:port`. */
  tunnels: string[];
  close(): Promise<void>;
}

/** Starts a CONNECT proxy that tunnels `names` (port 443) to 127.0.0.1:`port`. */
export async function startHttpsProxy(names: string[], port: number): Promise<HttpsProxy> {
  const allowed = new Set(names.map((n) => `${n}:443`));
  const tunnels: string[] = [];
  const open = new Set<{ destroy(): void }>();
  const server: Server = createServer((_req, res) => {
    res.writeHead(405, { 'content-type': 'text/plain' });
    res.end('CONNECT only');
  });
  server.on('connect', (req, socket, head) => {
    const target = (req.url ?? '').toLowerCase();
    tunnels.push(target);
    if (!allowed.has(target)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    const upstream = connect(port, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      // Tunnels are detached from the HTTP server: end them here.
      for (const s of open) s.destroy();
    }),
  };
}
