/**
 * A forward proxy on 127.0.0.1 that speaks HTTP CONNECT, as corporate proxies do for https.
 * It resolves names itself through `routes` (`registry.example.test:443` -> `127.0.0.1:<port>`),
 * which lets a test use registry host names that only the proxy can reach: a request that gets
 * through must have gone through it. Every CONNECT target is recorded; with `credentials` set
 * it demands `Proxy-Authorization: Basic` first (407 otherwise). Imports nothing from src/.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

/** Options of {@link startConnectProxy}. */
export interface ConnectProxyOptions {
  /** `host:port` as requested -> `host:port` to connect to. Unlisted targets are connected to as named. */
  routes?: Record<string, string>;
  /** Require these credentials (`user:password`). */
  credentials?: string;
}

/** A running proxy. */
export interface ConnectProxy {
  /** `http://127.0.0.1:<port>`, for HTTPS_PROXY. */
  url: string;
  port: number;
  /** CONNECT targets seen, `host:port`, in order (refused ones too). */
  tunnels: string[];
  close(): Promise<void>;
}

/** Starts the proxy; {@link ConnectProxy.close} ends it and every open tunnel. */
export async function startConnectProxy(opts: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const open = new Set<Socket>();
  const server: Server = createServer((_req, res) => {
    res.writeHead(405, { 'content-type': 'text/plain' }).end('CONNECT only');
  });
  server.on('connect', (req, socket: Socket, head: Buffer) => {
    const target = (req.url ?? '').toLowerCase();
    tunnels.push(target);
    socket.on('error', () => undefined);
    if (opts.credentials) {
      const want = `Basic ${Buffer.from(opts.credentials).toString('base64')}`;
      if (req.headers['proxy-authorization'] !== want) {
        socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
        return;
      }
    }
    const to = opts.routes?.[target] ?? target;
    const m = /^(.*):(\d+)$/.exec(to);
    if (!m) {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    const upstream = connect(Number(m[2]), m[1]!.replace(/^\[(.*)\]$/, '$1'), () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    upstream.on('error', () => socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    socket.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    tunnels,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      // Tunnels are detached from the HTTP server: end them here.
      for (const s of open) s.destroy();
    }),
  };
}
