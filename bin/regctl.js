#!/usr/bin/env node
import('../dist/cli/memory.js').then(() => import('../dist/cli/main.js')).then((m) => m.main(process));
