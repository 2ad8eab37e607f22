import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertGeneration, listStoredImagesOfGeneration } from '../../../src/accounts/generation-repository.js';
import { createDatabase, type Database } from '../../../src/db/create-database.js';
import { migrate } from '../../../src/db/migrate.js';
import type { FinishedImage } from '../../../src/domain/finished-image.js';
import { createHostedImageUrls } from '../../../src/storage/hosted-image-urls.js';
import type { ImageStore } from '../../../src/storage/image-store.js';
import { createLocalDiskStore } from '../../../src/storage/local-disk-store.js';
import { createScratchBuffers, type ScratchBuffers } from '../../../src/domain/scratch-buffers.js';
import { createImageStorer } from '../../../src/storage/store-generated-images.js';
import { createKeyWithCredits, newGeneration } from '../accounts/account-fixtures.js';

/** `bytes` as the upstream delivered their base64: split into socket-sized parts. */
function asBase64Parts(bytes: Buffer): Buffer[] {
  const text = Buffer.from(bytes.toString('base64'), 'latin1');
  const parts: Buffer[] = [];
  for (let start = 0; start < text.length; start += 65_537) parts.push(text.subarray(start, start + 65_537));
  return parts;
}

const fromBase64 = (bytes: Buffer): FinishedImage => ({
  format: 'png',
  width: 8,
  height: 8,
  base64: asBase64Parts(bytes),
  decoded: undefined,
});

/** The same buffer objects, in any order (identity: a failing diff of megabytes would take minutes to print). */
const sameBuffers = (left: Buffer[], right: Buffer[]) => left.length === right.length && left.every((buffer) => right.includes(buffer));

/** Counts what the storer borrows and gives back, lending from a real set of scratch buffers. */
function countingScratch(): ScratchBuffers & { lent: Buffer[]; givenBack: Buffer[] } {
  const inner = createScratchBuffers({ maxKept: 4, maxKeptBytes: 64 * 1024 * 1024, maxBufferBytes: 16 * 1024 * 1024 });
  const lent: Buffer[] = [];
  const givenBack: Buffer[] = [];
  return {
    lent,
    givenBack,
    borrow(size) {
      const buffer = inner.borrow(size);
      lent.push(buffer);
      return buffer;
    },
    giveBack(buffer) {
      givenBack.push(buffer);
      inner.giveBack(buffer);
    },
  };
}

describe('createImageStorer', () => {
  let database: Database;
  let directory: string;
  let disk: ImageStore;
  let owner: Awaited<ReturnType<typeof createKeyWithCredits>>;

  beforeAll(async () => {
    database = await createDatabase({ databaseUrl: 'sqlite::memory:', dataDir: tmpdir() });
    await migrate(database);
    directory = await mkdtemp(path.join(tmpdir(), 'storer-'));
    disk = createLocalDiskStore(directory);
    owner = await createKeyWithCredits(database.db, 10);
  });
  afterAll(async () => {
    await database?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  const storerWith = (store: ImageStore, scratch: ScratchBuffers) =>
    createImageStorer({
      db: database.db,
      store,
      urls: createHostedImageUrls({ publicUrl: () => 'http://gateway.test', mode: { mode: 'gateway' }, retentionDays: 7, clock: Date.now }),
      retentionDays: 7,
      clock: Date.now,
      scratch,
    });

  const newGenerationId = async () => {
    const generation = newGeneration(owner);
    await insertGeneration(database.db, generation);
    return generation.id;
  };

  it('writes every image byte for byte while reusing its decode buffers, concurrently and in turn', async () => {
    const scratch = countingScratch();
    const storeImages = storerWith(disk, scratch);
    // Sizes that decode into the same reused buffers, smaller after larger: stale bytes of an
    // earlier image must never reach a later file.
    const rounds = [
      [1_400_000, 1_399_000, 700_000],
      [1_300_000, 5, 1_410_000],
      [1_000_003, 700_001, 1_000_001],
    ].map((sizes) => sizes.map((size) => randomBytes(size)));
    for (const images of rounds) {
      const generationId = await newGenerationId();
      const stored = await storeImages(generationId, images.map(fromBase64));
      for (const [index, ref] of stored.entries()) {
        expect((await readFile(path.join(directory, ref.key))).equals(images[index]!), `${ref.key}`).toBe(true);
        expect(ref.url).toBe(`http://gateway.test/storage/${ref.key}`);
      }
      const rows = await listStoredImagesOfGeneration(database.db, generationId);
      expect(rows.map((row) => row.byteSize).sort()).toEqual(images.map((image) => image.length).sort());
    }
    expect(sameBuffers(scratch.givenBack, scratch.lent)).toBe(true);
    // Three at once at most: the later rounds ran on the first round's buffers.
    expect(new Set(scratch.lent).size).toBeLessThanOrEqual(3);
  });

  it('has the bytes before its first wait, so the caller may drop or overwrite its base64 at once', async () => {
    const storeImages = storerWith(disk, countingScratch());
    const bytes = randomBytes(300_000);
    const image = fromBase64(bytes);
    const storing = storeImages(await newGenerationId(), [image]);
    for (const part of image.base64 as Buffer[]) part.fill(0x41);
    image.base64 = undefined;
    const [ref] = await storing;
    expect((await readFile(path.join(directory, ref!.key))).equals(bytes)).toBe(true);
  });

  it('writes already-decoded bytes as they are, borrowing nothing', async () => {
    const scratch = countingScratch();
    const written: Buffer[] = [];
    const recording: ImageStore = { ...disk, put: async (key, bytes, type) => (written.push(bytes), disk.put(key, bytes, type)) };
    const decoded = randomBytes(1000);
    await storerWith(recording, scratch)(await newGenerationId(), [{ format: 'webp', width: 1, height: 1, base64: undefined, decoded }]);
    expect(written[0] === decoded).toBe(true);
    expect(scratch.lent).toHaveLength(0);
  });

  it('does not lend a buffer again after a failed write, which may still be reading it', async () => {
    const scratch = countingScratch();
    let fail = true;
    const flaky: ImageStore = {
      ...disk,
      put: async (key, bytes, type) => {
        if (fail) throw new Error('disk full');
        return disk.put(key, bytes, type);
      },
    };
    const storeImages = storerWith(flaky, scratch);
    await expect(storeImages(await newGenerationId(), [fromBase64(randomBytes(50_000))])).rejects.toThrow('disk full');
    expect(scratch.givenBack).toHaveLength(0);
    fail = false;
    const bytes = randomBytes(50_000);
    const [ref] = await storeImages(await newGenerationId(), [fromBase64(bytes)]);
    expect(scratch.lent[1] === scratch.lent[0]).toBe(false);
    expect(sameBuffers(scratch.givenBack, [scratch.lent[1]!])).toBe(true);
    expect((await readFile(path.join(directory, ref!.key))).equals(bytes)).toBe(true);
  });
});
