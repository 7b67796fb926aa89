#!/usr/bin/env node
// Makes sure the Debian packages the tests and the demo need are installed: the CNCF
// distribution registry (`docker-registry`), skopeo (interop peer), openssl (test PKI) and GNU
// time (the benchmark's peak RSS).
// Installs the missing ones with apt-get when running as root (CI) or through sudo.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const wanted = [
  { bin: '/usr/bin/docker-registry', pkg: 'docker-registry' },
  { bin: '/usr/bin/skopeo', pkg: 'skopeo' },
  { bin: '/usr/bin/openssl', pkg: 'openssl' },
  { bin: '/usr/bin/setpriv', pkg: 'util-linux' },
  { bin: '/usr/bin/time', pkg: 'time' }, // GNU time: peak RSS in `npm run bench`
  // Credential tests: a real helper against a real Secret Service on a private session bus.
  { bin: '/usr/bin/docker-credential-secretservice', pkg: 'golang-docker-credential-helpers' },
  { bin: '/usr/bin/gnome-keyring-daemon', pkg: 'gnome-keyring' },
  { bin: '/usr/bin/dbus-run-session', pkg: 'dbus-daemon' },
  { bin: '/usr/bin/dbus-send', pkg: 'dbus-bin' },
  { bin: '/usr/bin/script', pkg: 'bsdutils' }, // a pseudo-terminal for the hidden password prompt
];
const missing = wanted.filter((w) => !existsSync(w.bin)).map((w) => w.pkg);
// `--list`: print the missing package names, one per line, for .ci/run's own apt-get step.
if (process.argv.includes('--list')) {
  if (missing.length > 0) console.log(missing.join('\n'));
  process.exit(0);
}
if (missing.length === 0) process.exit(0);

const root = process.getuid?.() === 0;
const sudo = !root && spawnSync('sudo', ['-n', 'true']).status === 0;
if (!root && !sudo) {
  console.error(`missing Debian packages: ${missing.join(' ')}; install them with: sudo apt-get install -y ${missing.join(' ')}`);
  process.exit(1);
}
const run = (args) => execFileSync(root ? args[0] : 'sudo', root ? args.slice(1) : args, {
  stdio: 'inherit',
  env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
});
console.error(`installing ${missing.join(' ')} with apt-get`);
run(['apt-get', 'update', '-qq']);
run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing]);
