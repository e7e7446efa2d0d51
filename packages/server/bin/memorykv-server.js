#!/usr/bin/env node
// memorykv-server: runs the TypeScript sources directly through tsx, so that `npx memorykv-server`
// works right after `npm ci` with no build step to remember.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
