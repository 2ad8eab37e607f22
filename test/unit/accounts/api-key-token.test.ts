import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { API_KEY_LENGTH, apiKeyDisplayPrefix, generateApiKey, hashApiKey } from '../../../src/accounts/api-key-token.js';

describe('generateApiKey', () => {
  it('is sk-ir- plus 58 base62 characters, 64 in all', () => {
    for (let index = 0; index < 200; index++) {
      const key = generateApiKey();
      expect(key).toHaveLength(API_KEY_LENGTH);
      expect(key).toMatch(/^sk-ir-[0-9A-Za-z]{58}$/);
    }
  });

  it('never repeats and uses every base62 digit about equally', () => {
    const keys = Array.from({ length: 5_000 }, generateApiKey);
    expect(new Set(keys).size).toBe(keys.length);
    const counts = new Map<string, number>();
    for (const key of keys) for (const char of key.slice(6)) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // 290,000 draws over 62 digits: 4,677 expected each (σ ≈ 68). A modulo bias would put the 8
    // favoured digits (256 % 62) about 25% higher; ±10% is ~7σ, so this never flakes.
    const expected = (5_000 * 58) / 62;
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(expected * 0.9);
      expect(count).toBeLessThan(expected * 1.1);
    }
  });
});

describe('hashApiKey', () => {
  it('is the sha256 hex of the key', () => {
    expect(hashApiKey('sk-ir-abc')).toBe(createHash('sha256').update('sk-ir-abc').digest('hex'));
    expect(hashApiKey('sk-ir-abc')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('apiKeyDisplayPrefix', () => {
  it('shows 10 characters of our keys and only 4 of foreign ones', () => {
    const key = generateApiKey();
    expect(apiKeyDisplayPrefix(key)).toBe(key.slice(0, 10));
    expect(apiKeyDisplayPrefix('operator-chosen-admin-key')).toBe('oper');
  });
});
