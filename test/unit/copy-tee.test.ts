import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { tee } from '../../src/copy/tee.js';

const CHUNK = 64 * 1024;

/** A source of `chunks` chunks of CHUNK bytes (byte value = chunk number), counting what was pulled. */
function counted(chunks: number) {
  const state = { pulled: 0 };
  let i = 0;
  const stream = new Readable({
    highWaterMark: CHUNK,
    read() {
      if (i >= chunks) return void this.push(null);
      state.pulled += CHUNK;
      this.push(Buffer.alloc(CHUNK, i++ & 0xff));
    },
  });
  return { stream, state };
}

async function drain(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('tee', () => {
  it('gives every branch every byte, reading the source once', async () => {
    const { stream, state } = counted(40);
    const outs = await Promise.all(tee(stream, 3, 256 * 1024).map(drain));
    expect(state.pulled).toBe(40 * CHUNK);
    for (const o of outs) {
      expect(o.length).toBe(40 * CHUNK);
      expect(o[0]).toBe(0);
      expect(o[o.length - 1]).toBe(39);
    }
  });

  it('reads ahead of a stalled branch by at most its buffer, then resumes when it drains', async () => {
    const buffer = 256 * 1024;
    const { stream, state } = counted(64);
    const [fast, slow] = tee(stream, 2, buffer);
    const fastDone = drain(fast!);
    slow!.pause();
    await tick(50);
    // The fast branch cannot run away: the source waits for the slow one's buffer.
    expect(state.pulled).toBeLessThanOrEqual(buffer + 3 * CHUNK);
    expect(state.pulled).toBeGreaterThanOrEqual(buffer);
    const slowDone = drain(slow!);
    const [a, b] = await Promise.all([fastDone, slowDone]);
    expect(a.equals(b)).toBe(true);
    expect(a.length).toBe(64 * CHUNK);
  });

  it('drops a destroyed branch and keeps feeding the others', async () => {
    const { stream } = counted(30);
    const [a, b, c] = tee(stream, 3, CHUNK * 2);
    b!.destroy();
    const [ra, rc] = await Promise.all([drain(a!), drain(c!)]);
    expect(ra.length).toBe(30 * CHUNK);
    expect(rc.equals(ra)).toBe(true);
  });

  it('stops reading the source once every branch is gone', async () => {
    const { stream, state } = counted(1000);
    const branches = tee(stream, 2, CHUNK);
    branches[0]!.resume();
    await tick();
    for (const b of branches) b.destroy();
    await tick(20);
    expect(stream.destroyed).toBe(true);
    expect(state.pulled).toBeLessThan(1000 * CHUNK);
  });

  it('passes a source error to every branch', async () => {
    let n = 0;
    const failing = new Readable({
      read() {
        if (n++ < 3) this.push(Buffer.alloc(CHUNK));
        else this.destroy(new Error('source broke'));
      },
    });
    const results = await Promise.allSettled(tee(failing, 2).map(drain));
    for (const r of results) expect(r).toMatchObject({ status: 'rejected', reason: { message: 'source broke' } });
  });
});
