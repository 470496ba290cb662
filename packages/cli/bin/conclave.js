#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step). The repo's tsconfig
// is named explicitly: tsx would otherwise look for one in the cwd.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../../../tsconfig.json', import.meta.url)) });
await import('../src/main.ts');
