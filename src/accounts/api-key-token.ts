import { createHash, randomBytes } from 'node:crypto';

/** Marks our keys in logs and secret scanners. */
export const API_KEY_PREFIX = 'sk-ir-';
/** 64 characters, the length the public service's clients expect (the public ImageRouter service's key length). */
export const API_KEY_LENGTH = 64;
/** Characters shown in key lists: the marker plus 4 random characters (23.8 bits, not enough to help guess). */
export const API_KEY_DISPLAY_LENGTH = 10;
/** For keys not minted by us (an operator's IMAGEROUTER_ADMIN_KEY may be as short as 16 characters). */
const FOREIGN_KEY_DISPLAY_LENGTH = 4;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Largest multiple of 62 that fits in a byte: bytes at or above it are discarded, so no digit is favoured. */
const UNBIASED_BYTE_LIMIT = 256 - (256 % BASE62.length);

/** A new key: `sk-ir-` + 58 base62 characters (about 345 bits of randomness). */
export function generateApiKey(): string {
  const wanted = API_KEY_LENGTH - API_KEY_PREFIX.length;
  let body = '';
  while (body.length < wanted) {
    // ~3% of bytes are rejected; ask for a little more than needed so one round nearly always suffices.
    for (const byte of randomBytes(wanted + 8)) {
      if (byte >= UNBIASED_BYTE_LIMIT) continue;
      body += BASE62.charAt(byte % BASE62.length);
      if (body.length === wanted) break;
    }
  }
  return API_KEY_PREFIX + body;
}

/**
 * sha256 hex of the key: what the database stores and looks up. A fast unsalted hash is enough
 * because generated keys carry far more entropy than any brute force can cover.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The part of a key that lists may show. */
export function apiKeyDisplayPrefix(key: string): string {
  const ours = key.startsWith(API_KEY_PREFIX) && key.length === API_KEY_LENGTH;
  return key.slice(0, ours ? API_KEY_DISPLAY_LENGTH : FOREIGN_KEY_DISPLAY_LENGTH);
}
