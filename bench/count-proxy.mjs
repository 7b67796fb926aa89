// A loopback HTTP reverse proxy that forwards every request to one registry and records it
// (method, kind of endpoint, status), so the bench can report how many requests each tool sent.
// It keeps the Host header, so the registry builds upload locations that point back at the
// proxy and every later request of the same upload is counted too.
import http from 'node:http';

// Hop-by-hop headers (RFC 9110 section 7.6.1) belong to one connection, not to the request.
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'transfer-encoding']);

/** The endpoint a request path names: ping, manifest, blob, upload, tags, referrers, catalog. */
export function kindOf(path) {
  const p = path.split('?')[0];
  if (p === '/v2/' || p === '/v2') return 'ping';
  if (p === '/v2/_catalog') return 'catalog';
  const m = /\/(manifests|blobs\/uploads|blobs|tags|referrers)\//.exec(p);
  if (!m) return 'other';
  return { manifests: 'manifest', 'blobs/uploads': 'upload', blobs: 'blob', tags: 'tags', referrers: 'referrers' }[m[1]];
}

/**
 * Starts a counting proxy in front of `127.0.0.1:targetPort`.
 * @returns {Promise<{port: number, host: string, reset(): void, take(): {requests: Array<{method: string, kind: string, path: string, status: number}>, nonHttp: number}, close(): void}>}
 */
export async function startCountProxy(targetPort) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  let requests = [];
  let nonHttp = 0;
  const server = http.createServer({ keepAliveTimeout: 120_000, requestTimeout: 0 }, (req, res) => {
    const entry = { method: req.method, kind: kindOf(req.url), path: req.url, status: 0 };
    requests.push(entry);
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !HOP.has(k) || (k === 'transfer-encoding' && req.headers[k] === 'chunked')));
    const up = http.request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers, agent }, (ur) => {
      entry.status = ur.statusCode;
      const raw = [];
      for (let i = 0; i < ur.rawHeaders.length; i += 2) {
        if (!HOP.has(ur.rawHeaders[i].toLowerCase())) raw.push(ur.rawHeaders[i], ur.rawHeaders[i + 1]);
      }
      res.writeHead(ur.statusCode, ur.statusMessage, raw);
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    res.on('close', () => { if (!res.writableFinished) up.destroy(); });
    req.pipe(up);
  });
  // A client probing https on this plain-http port sends a TLS ClientHello, which fails to
  // parse as HTTP: count it apart from requests, and answer 400 as the Go registry does.
  server.on('clientError', (err, socket) => {
    if (String(err.code).startsWith('HPE_')) nonHttp++;
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    port,
    host: `127.0.0.1:${port}`,
    reset() { requests = []; nonHttp = 0; },
    take() {
      const out = { requests, nonHttp };
      requests = [];
      nonHttp = 0;
      return out;
    },
    close() { server.closeAllConnections(); server.close(); agent.destroy(); },
  };
}
