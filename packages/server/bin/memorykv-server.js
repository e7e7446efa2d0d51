#!/usr/bin/env -S node --max-semi-space-size=2
// memorykv-server: runs the TypeScript sources directly (transformed as they load, see
// @memorykv/core's src/node/typescript.mjs), so that `npx memorykv-server` works right after
// `npm ci` with no build step to remember.
//
// --max-semi-space-size=2 (MB; V8 grows it to 16 under load): a scavenge copies what survives
// it, and a server's new keys, values and list elements all survive, so its pause grows with the
// young generation. Capped at 2MB, scavenges come eight times as often and last an eighth as long:
// SET into a growing keyspace (redis-benchmark -P 16 -r 100M, 2M requests) p99 8.5/7.7 ms ->
// 3.9/3.8 ms (redis-server 3.5), the -P 16 rows of bench:server mostly lower (median of four
// runs: INCR p99 1.70 -> 1.25 ms, LPUSH 4.26 -> 2.90, RPOP 1.90 -> 1.53, HSET 1.30 -> 1.08), the
// same throughput within the noise. Flags here are the only ones: `npm start` runs this file as
// an executable, and the benchmarks read them from this line (bench/lib/servers.ts binNodeFlags).
import { registerTypeScript } from '@memorykv/core/typescript';

registerTypeScript();
await import('../src/main.ts');
