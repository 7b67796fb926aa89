import type { Command } from 'commander';
import { registerCompletion } from './completion.js';
import { registerConfig } from './config.js';
import { registerCopy } from './copy.js';
import { registerDelete } from './delete.js';
import { registerDigest } from './digest.js';
import { registerInspect } from './inspect.js';
import { registerList } from './list.js';
import { registerLogin } from './login.js';
import { registerLogout } from './logout.js';
import { registerSync } from './sync.js';
import { registerTag } from './tag.js';

/** Adds every command to the program, in the order `--help` lists them. */
export function registerCommands(program: Command): void {
  for (const register of [registerLogin, registerLogout, registerInspect, registerDigest, registerCopy, registerSync, registerTag, registerList, registerDelete, registerConfig, registerCompletion]) {
    register(program);
  }
}
