import { describe, expect, it } from 'vitest';
import { ownStoredFile } from '../../../src/generation/own-storage-url.js';

const file = '3f2c9a4e-1b7d-4c59-9d0e-8a6b5c4d3e2f.webp';

describe('ownStoredFile', () => {
  it('recognises hosted URLs under PUBLIC_URL, with or without a path prefix', () => {
    expect(ownStoredFile(`https://img.example.com/storage/${file}`, { publicUrl: 'https://img.example.com', port: 3000 })).toBe(file);
    expect(ownStoredFile(`https://example.com/ir/storage/${file}?x=1`, { publicUrl: 'https://example.com/ir', port: 3000 })).toBe(file);
  });

  it('recognises the gateway reached directly on loopback at its own port', () => {
    for (const host of ['localhost', '127.0.0.1', '[::1]']) {
      expect(ownStoredFile(`http://${host}:3000/storage/${file}`, { publicUrl: 'https://img.example.com', port: 3000 })).toBe(file);
    }
  });

  it('leaves every other URL to the guarded downloader', () => {
    const origins = { publicUrl: 'https://img.example.com', port: 3000 };
    for (const url of [
      `http://127.0.0.1:3001/storage/${file}`,
      `https://127.0.0.1:3000/storage/${file}`,
      `http://10.0.0.5:3000/storage/${file}`,
      `https://img.example.com.evil.test/storage/${file}`,
      `http://img.example.com/storage/${file}`,
      `https://user:pw@img.example.com/storage/${file}`,
      `https://img.example.com/other/${file}`,
      `https://img.example.com/storage/a/${file}`,
      `https://img.example.com/storage/`,
      'data:image/png;base64,AAAA',
      'not a url',
    ]) {
      expect(ownStoredFile(url, origins), url).toBeUndefined();
    }
  });

  it('recognises bucket URLs under the object URL bases: S3_PUBLIC_URL and presigned URLs, their query ignored', () => {
    const origins = {
      publicUrl: 'https://img.example.com',
      port: 3000,
      objectUrlBases: ['https://cdn.example.com/images/', 'http://minio:9000/imagerouter/'],
    };
    expect(ownStoredFile(`https://cdn.example.com/images/${file}`, origins)).toBe(file);
    expect(ownStoredFile(`http://minio:9000/imagerouter/${file}?X-Amz-Expires=600&X-Amz-Signature=abc`, origins)).toBe(file);
    expect(ownStoredFile(`https://img.example.com/storage/${file}`, origins)).toBe(file);
    for (const url of [
      `https://cdn.example.com/images/a/${file}`,
      `https://cdn.example.com/imagesx/${file}`,
      `https://cdn.example.com/${file}`,
      `http://cdn.example.com/images/${file}`,
      `http://minio:9001/imagerouter/${file}`,
      `https://user:pw@cdn.example.com/images/${file}`,
      'https://cdn.example.com/images/',
    ]) {
      expect(ownStoredFile(url, origins), url).toBeUndefined();
    }
  });
});
