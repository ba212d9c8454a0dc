import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './config.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

function problemsOf(env: Record<string, string>, requirements: Parameters<typeof loadConfig>[1] = []): readonly string[] {
  try {
    loadConfig(env, requirements);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('runs on local defaults', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/relance');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.eventStore).toBe('postgres');
    expect(config.enginePort).toBe(3000);
    expect(config.piiMasterKey).toBeUndefined();
    expect(config.streamCacheBytes).toBe(256 * 1024 * 1024);
  });

  it('takes the stream cache budget in bytes, 0 for no cache', () => {
    expect(loadConfig({ STREAM_CACHE_BYTES: '0' }).streamCacheBytes).toBe(0);
    expect(loadConfig({ STREAM_CACHE_BYTES: '1073741824' }).streamCacheBytes).toBe(1024 ** 3);
    expect(problemsOf({ STREAM_CACHE_BYTES: '256MB' })).toEqual([expect.stringMatching(/^STREAM_CACHE_BYTES: must be an integer between 0 and/)]);
  });

  it('reports every wrong setting at once, each by name', () => {
    const problems = problemsOf({
      DATABASE_URL: 'mysql://x@y/z',
      REDIS_URL: 'not a url',
      EVENT_STORE: 'mongo',
      ENGINE_PORT: '70000',
      LOG_LEVEL: 'loud',
      PII_MASTER_KEY: 'c2hvcnQ=',
    });
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'DATABASE_URL',
      'REDIS_URL',
      'EVENT_STORE',
      'PII_MASTER_KEY',
      'LOG_LEVEL',
      'ENGINE_PORT',
    ]);
    expect(problems.join('\n')).toMatch(/must be "postgres" or "eventstoredb" \(got "mongo"\)/);
  });

  it('requires EVENTSTORE_URL with the EventStoreDB adapter, in esdb:// form', () => {
    expect(problemsOf({ EVENT_STORE: 'eventstoredb' })).toEqual([expect.stringMatching(/^EVENTSTORE_URL: required/)]);
    expect(problemsOf({ EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'http://x:2113' })).toEqual([
      expect.stringMatching(/^EVENTSTORE_URL: must be an esdb:\/\//),
    ]);
    expect(loadConfig({ EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'esdb://127.0.0.1:2113?tls=false' }).eventStoreUrl).toBe(
      'esdb://127.0.0.1:2113?tls=false',
    );
  });

  it('requires the PII master key only where personal data is handled, from the variable or a file', () => {
    expect(problemsOf({}, ['piiMasterKey'])).toEqual([expect.stringMatching(/^PII_MASTER_KEY: required/)]);
    expect(loadConfig({ PII_MASTER_KEY: KEY }, ['piiMasterKey']).piiMasterKey?.length).toBe(32);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'relance-config-')), 'master.key');
    writeFileSync(file, `${KEY}\n`);
    expect(loadConfig({ PII_MASTER_KEY_FILE: file }, ['piiMasterKey']).piiMasterKey?.equals(Buffer.from(KEY, 'base64'))).toBe(true);
    expect(problemsOf({ PII_MASTER_KEY_FILE: `${file}.missing` })).toEqual([expect.stringMatching(/does not exist/)]);
    expect(problemsOf({ PII_MASTER_KEY: KEY, PII_MASTER_KEY_FILE: file })).toEqual([expect.stringMatching(/not both/)]);
  });

  it('never prints a database password', () => {
    const [problem] = problemsOf({ DATABASE_URL: 'mysql://app:s3cret@db/relance' });
    expect(problem).toContain('app:***@');
    expect(problem).not.toContain('s3cret');
  });
});
