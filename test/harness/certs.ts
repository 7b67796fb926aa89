/**
 * Test PKI built with the openssl CLI: a CA, a server certificate for the loopback names, a
 * client certificate (for mTLS tests) and a self-signed RSA certificate that signs registry
 * tokens. Generated once per process because key generation is the slow part of start-up.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of every file {@link makeCerts} writes (all PEM). */
export interface CertPaths {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Self-signed RSA certificate whose key signs registry JWTs (RS256). */
  tokenCert: string;
  tokenKey: string;
  /** A directory holding only `ca.crt`, the layout skopeo's `--cert-dir` expects. */
  caCertDir: string;
}

const cache = new Map<string, Promise<CertPaths>>();

/**
 * Creates (once per process and directory) the test certificates in `dir` and returns their
 * paths. Concurrent callers share the same promise.
 */
export function makeCerts(dir: string): Promise<CertPaths> {
  let pending = cache.get(dir);
  if (!pending) {
    pending = generate(dir);
    cache.set(dir, pending);
    // A failed run must not poison the cache for a later retry.
    pending.catch(() => cache.delete(dir));
  }
  return pending;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 30_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.trim() || e.message}`);
  }
}

// P-256 keys are generated in milliseconds; RSA is only used where the format demands it
// (RS256 token signing).
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function generate(dir: string): Promise<CertPaths> {
  await mkdir(dir, { recursive: true });
  const p = (name: string) => join(dir, name);
  const paths: CertPaths = {
    dir,
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    tokenCert: p('token.crt'),
    tokenKey: p('token.key'),
    caCertDir: p('ca-only'),
  };

  const ca = openssl([
    'req', '-x509', ...EC_KEY, '-keyout', paths.caKey, '-out', paths.caCert, '-days', '30',
    '-subj', '/CN=regctl test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  // Go's x509 verifier only needs the leaf to be in the root pool, so a plain self-signed
  // certificate works as distribution's `rootcertbundle`.
  const token = openssl([
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', paths.tokenKey,
    '-out', paths.tokenCert, '-days', '30', '-subj', '/CN=regctl test token signer',
  ]);
  await ca;
  await Promise.all([
    leaf(paths, 'server', '/CN=localhost', [
      'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
      'extendedKeyUsage=serverAuth',
    ]),
    leaf(paths, 'client', '/CN=regctl-test-client', ['extendedKeyUsage=clientAuth']),
    token,
  ]);
  await mkdir(paths.caCertDir, { recursive: true });
  await copyFile(paths.caCert, join(paths.caCertDir, 'ca.crt'));
  return paths;
}

/** A key + CSR, then a certificate signed by the CA with the given v3 extensions. */
async function leaf(paths: CertPaths, name: string, subject: string, exts: string[]): Promise<void> {
  const key = join(paths.dir, `${name}.key`);
  const csr = join(paths.dir, `${name}.csr`);
  const ext = join(paths.dir, `${name}.ext`);
  await openssl(['req', '-new', ...EC_KEY, '-keyout', key, '-out', csr, '-subj', subject]);
  await writeFile(ext, ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', ...exts].join('\n') + '\n');
  await openssl([
    // An explicit random serial: -CAcreateserial would race on ca.srl when leaves are signed in parallel.
    'x509', '-req', '-in', csr, '-CA', paths.caCert, '-CAkey', paths.caKey,
    '-set_serial', `0x${randomBytes(8).toString('hex')}`,
    '-out', join(paths.dir, `${name}.crt`), '-days', '30', '-extfile', ext,
  ]);
}

/** A server certificate and key (file paths) for {@link serverCertFor}. */
export interface ServerCertPaths {
  cert: string;
  key: string;
}

const namedCerts = new Map<string, Promise<ServerCertPaths>>();

/**
 * Issues (once per process and name set) a server certificate signed by the test CA in `paths`
 * for arbitrary DNS names, so provider emulators can serve `registry-1.docker.io` or
 * `123456789012.dkr.ecr.us-east-1.amazonaws.com` on 127.0.0.1 and clients verify them normally.
 * `127.0.0.1` and `::1` are always included as IP SANs.
 */
export function serverCertFor(paths: CertPaths, names: string[]): Promise<ServerCertPaths> {
  const sorted = [...new Set(names.map((n) => n.toLowerCase()))].sort();
  const id = createHash('sha256').update(`${paths.dir}\n${sorted.join(',')}`).digest('hex').slice(0, 16);
  let pending = namedCerts.get(id);
  if (!pending) {
    const name = `named-${id}`;
    const san = [...sorted.map((n) => `DNS:${n}`), 'IP:127.0.0.1', 'IP:::1'].join(',');
    pending = leaf(paths, name, `/CN=${sorted[0] ?? 'localhost'}`, [`subjectAltName=${san}`, 'extendedKeyUsage=serverAuth'])
      .then(() => ({ cert: join(paths.dir, `${name}.crt`), key: join(paths.dir, `${name}.key`) }));
    namedCerts.set(id, pending);
    pending.catch(() => namedCerts.delete(id));
  }
  return pending;
}

/** Returns PEM text given either the PEM itself or the path of a file holding it. */
export async function readPem(pemOrPath: string): Promise<string> {
  return pemOrPath.trimStart().startsWith('-----BEGIN') ? pemOrPath : readFile(pemOrPath, 'utf8');
}
