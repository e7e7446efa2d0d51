/**
 * @memorykv/core for Node.js: the portable API (../index.ts) plus what only runs on Node — the
 * Lua runtime behind EVAL/FCALL (fengari needs Node built-ins). package.json maps the package's
 * "node" condition here; browsers and bundlers get ../index.ts.
 */
import './scripting/lua.ts';

export * from '../index.ts';
