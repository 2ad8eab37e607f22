import { describe, expect, it } from 'vitest';
import { ConfigError, loadAppConfig } from '../../../src/config/app-config.js';

describe('loadAppConfig: IMAGEROUTER_MAX_INPUT_BYTES', () => {
  it('defaults to the request cap when unset', () => {
    const config = loadAppConfig({});
    expect(config.maxRequestBytes).toBe(200 * 1024 * 1024);
    expect(config.maxInputBytes).toBe(config.maxRequestBytes);
  });

  it('follows a configured request cap when unset or empty', () => {
    expect(loadAppConfig({ IMAGEROUTER_MAX_REQUEST_BYTES: '300000' }).maxInputBytes).toBe(300_000);
    expect(loadAppConfig({ IMAGEROUTER_MAX_REQUEST_BYTES: '300000', IMAGEROUTER_MAX_INPUT_BYTES: ' ' }).maxInputBytes).toBe(300_000);
  });

  it('parses a value of its own, independent of the request cap', () => {
    const config = loadAppConfig({ IMAGEROUTER_MAX_REQUEST_BYTES: '300000', IMAGEROUTER_MAX_INPUT_BYTES: '5000000' });
    expect(config.maxInputBytes).toBe(5_000_000);
    expect(config.maxRequestBytes).toBe(300_000);
  });

  it.each(['abc', '1.5', '-1', '0', '1023'])('rejects %s, naming the variable', (value) => {
    expect(() => loadAppConfig({ IMAGEROUTER_MAX_INPUT_BYTES: value })).toThrow(ConfigError);
    expect(() => loadAppConfig({ IMAGEROUTER_MAX_INPUT_BYTES: value })).toThrow(/IMAGEROUTER_MAX_INPUT_BYTES: must be an integer >= 1024/);
  });
});

describe('loadAppConfig: IMAGEROUTER_GENERATION_LEASE_MS', () => {
  it('defaults to a minute and takes a value of its own', () => {
    expect(loadAppConfig({}).generationLeaseMs).toBe(60_000);
    expect(loadAppConfig({ IMAGEROUTER_GENERATION_LEASE_MS: '5000' }).generationLeaseMs).toBe(5_000);
  });

  it('rejects a lease too short to renew, naming the variable', () => {
    expect(() => loadAppConfig({ IMAGEROUTER_GENERATION_LEASE_MS: '10' })).toThrow(
      /IMAGEROUTER_GENERATION_LEASE_MS: must be an integer >= 300/,
    );
  });
});

describe('REDIS_URL', () => {
  it('is off when unset or empty, and taken as given otherwise', () => {
    expect(loadAppConfig({}).redisUrl).toBeUndefined();
    expect(loadAppConfig({ REDIS_URL: '' }).redisUrl).toBeUndefined();
    expect(loadAppConfig({ REDIS_URL: 'rediss://cache:6380/1' }).redisUrl).toBe('rediss://cache:6380/1');
    expect(loadAppConfig({}).redisPrefix).toBe('imagerouter:');
  });

  it('rejects anything but redis:// or rediss://, naming the variable', () => {
    expect(() => loadAppConfig({ REDIS_URL: 'cache:6379' })).toThrow(/REDIS_URL: must be 'redis:\/\/\.\.\.' or 'rediss:\/\/\.\.\.'/);
  });
});
