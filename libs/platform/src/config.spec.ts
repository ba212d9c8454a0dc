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

  it('reads the lag that turns /health degraded, in seconds', () => {
    expect(loadConfig({}).lagAlertSeconds).toBe(60);
    expect(loadConfig({ LAG_ALERT_SECONDS: '5' }).lagAlertSeconds).toBe(5);
    expect(problemsOf({ LAG_ALERT_SECONDS: '0' })).toEqual([expect.stringMatching(/^LAG_ALERT_SECONDS: must be an integer between 1 and 86400/)]);
  });

  it('never prints a database password', () => {
    const [problem] = problemsOf({ DATABASE_URL: 'mysql://app:s3cret@db/relance' });
    expect(problem).toContain('app:***@');
    expect(problem).not.toContain('s3cret');
  });

  it('takes the metrics token from the variable or a file, and refuses a short one', () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: 'x'.repeat(32) }).metricsToken).toBe('x'.repeat(32));
    const dir = mkdtempSync(path.join(tmpdir(), 'relance-config-'));
    writeFileSync(path.join(dir, 'token'), `${'y'.repeat(40)}\n`);
    expect(loadConfig({ METRICS_TOKEN_FILE: path.join(dir, 'token') }).metricsToken).toBe('y'.repeat(40));
    expect(problemsOf({ METRICS_TOKEN: 'short' })).toEqual([expect.stringMatching(/^METRICS_TOKEN: must be at least 24/)]);
    expect(problemsOf({ METRICS_TOKEN: 'with spaces inside it is not a token' })).toEqual([expect.stringMatching(/^METRICS_TOKEN:/)]);
    expect(problemsOf({ METRICS_TOKEN: 'x'.repeat(32), METRICS_TOKEN_FILE: path.join(dir, 'token') })).toEqual([expect.stringMatching(/not both/)]);
  });
});
