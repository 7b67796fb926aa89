import { keychainProtocol } from '../credentials/keychain-helper.js';
import { readStdin } from './prompt.js';

/**
 * `docker-credential-regctl get|store|erase|list`: the OS keychain as a docker credential
 * helper, for the other tools (docker, skopeo, podman, crane, oras) that find
 * `credHelpers[<host>] = "regctl"` in config.json after a `regctl login` kept in the keychain.
 * regctl itself never runs it; it answers the same protocol in-process.
 */
export async function main(proc: NodeJS.Process): Promise<void> {
  const verb = proc.argv[2] ?? '';
  // `list` takes no input; reading stdin there would wait on a terminal forever.
  const input = verb === 'list' ? '' : await readStdin(proc.stdin);
  const res = await keychainProtocol(verb, input);
  proc.stdout.write(res.stdout);
  if (res.stderr) proc.stderr.write(res.stderr);
  proc.exitCode = res.code;
}
