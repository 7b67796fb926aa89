// A loopback TCP proxy that makes a registry look far away: every chunk, in both directions,
// arrives `delayMs` after it was sent (25 ms each way is a 50 ms round trip), in order, per
// connection. A new connection also pays one round trip before its first byte arrives, as a
// TCP handshake would. Bytes in flight per direction are capped (WINDOW), like a TCP window:
// one connection then moves at most WINDOW per delay, so a far registry rewards parallel
// connections as a real one does.
import net from 'node:net';

/**
 * Bytes in flight per direction and connection. 2 MiB per 25 ms caps one connection at
 * 80 MiB/s, about what Linux's default TCP buffers (tcp_rmem max 6 MiB) sustain over a 50 ms
 * round trip.
 */
export const WINDOW = 2 << 20;

/** Forwards `from` to `to`, each chunk `delayMs` late, starting no earlier than `notBefore`. */
function delayedPipe(from, to, delayMs, notBefore, ready) {
  const queue = [];
  let queued = 0;
  let timer;
  let draining = false;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!ready() || draining) return;
    const now = performance.now();
    while (queue.length && queue[0].at <= now) {
      if (to.writableLength > WINDOW) {
        draining = true;
        to.once('drain', () => {
          draining = false;
          flush();
        });
        return;
      }
      const item = queue.shift();
      if (item.end) return void to.end();
      queued -= item.chunk.length;
      to.write(item.chunk);
    }
    if (queued < WINDOW && from.isPaused()) from.resume();
    schedule();
  };
  const schedule = () => {
    if (timer || !queue.length) return;
    timer = setTimeout(flush, Math.max(0, queue[0].at - performance.now()));
  };
  const push = (item) => {
    queue.push({ ...item, at: Math.max(performance.now(), notBefore) + delayMs });
    schedule();
  };
  from.on('data', (chunk) => {
    push({ chunk });
    queued += chunk.length;
    if (queued >= WINDOW) from.pause();
  });
  from.on('end', () => push({ end: true }));
  return flush;
}

/**
 * Starts a delaying proxy in front of `127.0.0.1:targetPort`.
 * @returns {Promise<{port: number, host: string, close(): void}>}
 */
export async function startDelayProxy(targetPort, delayMs) {
  const sockets = new Set();
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const accepted = performance.now();
    let connected = false;
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort, allowHalfOpen: true, noDelay: true });
    sockets.add(client).add(upstream);
    const kill = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    // A registry that closes after its answer (Connection: close) must not cut that answer
    // short while it is still in the delay queue: only the client's close ends both sides.
    client.on('error', kill).on('close', kill);
    upstream.on('error', kill).on('close', () => sockets.delete(upstream));
    // Client bytes wait for the emulated handshake (one round trip), then one more delay.
    const toUpstream = delayedPipe(client, upstream, delayMs, accepted + 2 * delayMs, () => connected);
    delayedPipe(upstream, client, delayMs, 0, () => true);
    upstream.once('connect', () => {
      connected = true;
      toUpstream();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    port,
    host: `127.0.0.1:${port}`,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
