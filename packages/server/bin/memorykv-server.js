#!/usr/bin/env node
// memorykv-server: runs the TypeScript sources directly (transformed as they load, see
// @memorykv/core's src/node/typescript.mjs), so that `npx memorykv-server` works right after
// `npm ci` with no build step to remember.
import { registerTypeScript } from '@memorykv/core/typescript';

registerTypeScript();
await import('../src/main.ts');
