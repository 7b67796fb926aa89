#!/usr/bin/env node
import('../dist/cli/credential-helper.js').then((m) => m.main(process));
