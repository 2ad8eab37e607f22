import { describe, expect, it } from 'vitest';
import { effectiveSettings } from '../../../src/config/effective-settings.js';
import { loadAppConfig } from '../../../src/config/app-config.js';
import { maskSecret, maskUrlCredentials } from '../../../src/config/mask-secret.js';

describe('maskSecret', () => {
  it('shows at most the last 4 characters, and none of a short secret', () => {
    expect(maskSecret('0123456789abcdefWXYZ')).toBe('••••WXYZ');
    expect(maskSecret('short-secret')).toBe('••••');
    expect(maskSecret(undefined)).toBeNull();
    expect(maskSecret('')).toBeNull();
  });
});

describe('maskUrlCredentials', () => {
  it('masks the password and password-like query values, keeping the rest readable', () => {
    expect(maskUrlCredentials('postgres://app:s3cret-pass@db.internal:5432/imagerouter')).toBe(
      'postgres://app:••••@db.internal:5432/imagerouter',
    );
    expect(maskUrlCredentials('postgres://db/x?sslmode=require&sslpassword=hunter2')).toBe(
      'postgres://db/x?sslmode=require&sslpassword=••••',
    );
    expect(maskUrlCredentials('postgres://app@db/x')).toBe('postgres://app@db/x');
    expect(maskUrlCredentials('sqlite:./data/imagerouter.db')).toBe('sqlite:./data/imagerouter.db');
    expect(maskUrlCredentials('not a url')).toBe('••••');
    expect(maskUrlCredentials(undefined)).toBeNull();
  });
});

describe('effectiveSettings', () => {
  it('keys values by their variable and masks every secret', () => {
    const settings = effectiveSettings(
      loadAppConfig({
        DATABASE_URL: 'postgres://app:topsecretpassword@db:5432/ir',
        REDIS_URL: 'rediss://default:redissecretword@cache:6380/0',
        IMAGEROUTER_ADMIN_KEY: 'admin-key-0123456789-last',
        IMAGEROUTER_METRICS_TOKEN: 'tok',
        IMAGEROUTER_DATA_DIR: '/tmp/ir',
      }),
    );
    expect(settings).toMatchObject({
      DATABASE_URL: 'postgres://app:••••@db:5432/ir',
      REDIS_URL: 'rediss://default:••••@cache:6380/0',
      IMAGEROUTER_REDIS_PREFIX: 'imagerouter:',
      IMAGEROUTER_ADMIN_KEY: '••••last',
      IMAGEROUTER_METRICS_TOKEN: '••••',
      IMAGEROUTER_DATA_DIR: '/tmp/ir',
      PORT: 3000,
      IMAGEROUTER_TRUST_PROXY: false,
    });
    expect(JSON.stringify(settings)).not.toMatch(/topsecret|redissecret|0123456789|tok"/);
  });
});
