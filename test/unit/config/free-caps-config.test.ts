import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../../src/config/app-config.js';

describe('loadAppConfig: free-model caps', () => {
  it('are off (0) unless set', () => {
    expect(loadAppConfig({})).toMatchObject({ freeDailyLimitPerAccount: 0, freeDailyLimitPerIp: 0 });
    expect(loadAppConfig({ IMAGEROUTER_FREE_DAILY_LIMIT_PER_ACCOUNT: '' }).freeDailyLimitPerAccount).toBe(0);
  });

  it('take a whole number per account and per IP', () => {
    const config = loadAppConfig({ IMAGEROUTER_FREE_DAILY_LIMIT_PER_ACCOUNT: '50', IMAGEROUTER_FREE_DAILY_LIMIT_PER_IP: '10' });
    expect(config).toMatchObject({ freeDailyLimitPerAccount: 50, freeDailyLimitPerIp: 10 });
  });

  it.each(['-1', '2.5', 'ten'])('reject %s, naming the variable', (value) => {
    expect(() => loadAppConfig({ IMAGEROUTER_FREE_DAILY_LIMIT_PER_IP: value })).toThrow(
      /IMAGEROUTER_FREE_DAILY_LIMIT_PER_IP: must be an integer >= 0/,
    );
  });
});

describe('loadAppConfig: IMAGEROUTER_TRUST_PROXY', () => {
  it.each([
    ['', false],
    ['false', false],
    ['true', true],
    ['2', 2],
    ['10.0.0.1, 192.168.0.0/16', ['10.0.0.1', '192.168.0.0/16']],
  ])('reads %j as %j', (value, expected) => {
    expect(loadAppConfig({ IMAGEROUTER_TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });
});
