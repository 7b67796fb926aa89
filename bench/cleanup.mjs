// Everything the benchmark starts (registries, proxies, tool processes, temp dirs) registers a
// synchronous undo here, so an error, Ctrl-C or SIGTERM still leaves the machine clean.
const undo = new Set();
let installed = false;

/** Runs every registered undo once, newest first; safe to call more than once. */
export function cleanupAll() {
  for (const fn of [...undo].reverse()) {
    undo.delete(fn);
    try {
      fn();
    } catch {
      // Best effort: one failing undo must not keep the others from running.
    }
  }
}

/**
 * Registers a synchronous undo. Returns `release(run = true)`: unregisters it and, unless
 * `run` is false (the thing already ended by itself), runs it now.
 */
export function onCleanup(fn) {
  if (!installed) {
    installed = true;
    process.once('exit', cleanupAll);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      process.once(sig, () => {
        console.error(`\nbench: ${sig}, cleaning up`);
        cleanupAll();
        // 128 + signal number, as a shell reports a signalled command.
        process.exit(sig === 'SIGINT' ? 130 : sig === 'SIGTERM' ? 143 : 129);
      });
    }
  }
  undo.add(fn);
  return (run = true) => {
    if (undo.delete(fn) && run) fn();
  };
}
