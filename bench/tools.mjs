// The two command lines compared, their environment, and skopeo's blob-info cache reset.
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './cleanup.mjs';

export const REGCTL_BIN = fileURLToPath(new URL('../bin/regctl.js', import.meta.url));
export const SKOPEO_BIN = '/usr/bin/skopeo';

// An empty docker config dir and a missing auth file for both tools: the registries are
// anonymous, and a credsStore configured on the machine would otherwise spawn helpers in the
// timed runs.
const home = mkdtempSync(join(tmpdir(), 'regctl-bench-auth-'));
onCleanup(() => rmSync(home, { recursive: true, force: true }));
export const TOOL_ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? homedir(),
  DOCKER_CONFIG: home,
  REGISTRY_AUTH_FILE: join(home, 'auth.json'),
};

/** `regctl copy [extra] src dst...` as argv. */
export function regctlCopy(src, dsts, extra = []) {
  return [process.execPath, REGCTL_BIN, 'copy', ...extra, src, ...dsts];
}

/** `skopeo copy --all` between two plain-http registries, as argv. */
export function skopeoCopy(src, dst) {
  return [SKOPEO_BIN, 'copy', '--all', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${src}`, `docker://${dst}`];
}

// containers/image keeps blob locations in a BoltDB (pkg/blobinfocache): as root under
// /var/lib/containers/cache, otherwise under $XDG_DATA_HOME (unset in TOOL_ENV, so
// $HOME/.local/share)/containers/cache. With it, skopeo would mount blobs it pushed in an
// earlier run instead of copying them.
const SKOPEO_CACHE = process.getuid?.() === 0
  ? '/var/lib/containers/cache/blob-info-cache-v1.boltdb'
  : join(TOOL_ENV.HOME, '.local/share/containers/cache/blob-info-cache-v1.boltdb');

/** Removes skopeo's blob-info cache; call before every skopeo run. */
export function clearSkopeoCache() {
  rmSync(SKOPEO_CACHE, { force: true });
}
