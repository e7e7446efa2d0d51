import { defineConfig } from 'vitest/config';

/**
 * Server integration test files that also run against a server whose keyspace is in 4 shard
 * threads (issue 5): the `shards-4` project sets MKV_TEST_SHARDS, which test/helpers.ts's
 * startServer passes on as `shards`; what sharding does not do yet is skipped there (SHARDED).
 */
const SHARDED_FILES = ['families', 'blocking', 'transactions', 'pubsub', 'connection', 'garbage', 'streams', 'scripting', 'binary', 'config'].map((f) => `packages/server/test/${f}.test.ts`);

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'main', include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'] } },
      { extends: true, test: { name: 'shards-4', include: SHARDED_FILES, env: { MKV_TEST_SHARDS: '4' } } },
    ],
  },
});
