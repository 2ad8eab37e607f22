import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DatabaseSchema } from '../db/database-schema.js';

/**
 * An async generation's request, as kept for a takeover: fields as sent, input images after
 * download. The rest (caller, model, hold, start) is on its generation's record already.
 */
export interface GenerationJob {
  generationId: string;
  fields: Record<string, unknown>;
  images: Buffer[];
  mask: Buffer | undefined;
}

/** A job another process died running, claimed by this one: its lease is ours now. */
export interface ClaimedJob extends GenerationJob {
  accountId: string;
  apiKeyId: string;
  /** The record's `created_at`: when the request arrived. */
  startedAt: number;
  model: string;
  reservedMicros: number;
  /** How many times it has been taken over, this one included. */
  takeovers: number;
}

export interface GenerationJobs {
  save(job: GenerationJob): Promise<void>;
  /** Forgets a finished generation's job; a missing one is fine. */
  remove(generationId: string): Promise<void>;
  /**
   * Claims the async generations whose lease has passed and that can still be finished: a job is
   * kept, nothing is stored for them yet, their hold is open (or they are free), and they were
   * taken over fewer than `maxTakeovers` times. Each claim renews the lease by the conditional
   * UPDATE that recovery uses, so one process, and only one, finishes each.
   */
  claimAbandoned(options: { now: number; leaseMs: number; maxTakeovers: number }): Promise<ClaimedJob[]>;
}

const BATCH = 50;

const fieldsSchema = z.record(z.string(), z.unknown());
const inputsSchema = z.object({ images: z.array(z.string()), mask: z.string().nullable() });

export function createGenerationJobs(db: Kysely<DatabaseSchema>): GenerationJobs {
  return {
    async save(job) {
      await db
        .insertInto('generation_jobs')
        .values({
          generation_id: job.generationId,
          fields_json: JSON.stringify(job.fields),
          inputs_json: JSON.stringify({
            images: job.images.map((image) => image.toString('base64')),
            mask: job.mask === undefined ? null : job.mask.toString('base64'),
          }),
        })
        .execute();
    },
    async remove(generationId) {
      await db.deleteFrom('generation_jobs').where('generation_id', '=', generationId).execute();
    },
    async claimAbandoned({ now, leaseMs, maxTakeovers }) {
      const candidates = await db
        .selectFrom('generations as g')
        .innerJoin('generation_jobs as j', 'j.generation_id', 'g.id')
        .select('g.id')
        .where('g.status', '=', 'processing')
        .where('g.lease_expires_at', '<', now)
        .where('j.takeovers', '<', maxTakeovers)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('stored_images').select('id').whereRef('generation_id', '=', 'g.id'))),
        )
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('ledger_entries').select('id').whereRef('generation_id', '=', 'g.id').where('kind', 'in', ['settle', 'release']),
            ),
          ),
        )
        .where(({ or, eb, exists, selectFrom }) =>
          or([
            eb('g.reserved_micros', '=', 0),
            exists(selectFrom('ledger_entries').select('id').whereRef('generation_id', '=', 'g.id').where('kind', '=', 'reserve')),
          ]),
        )
        .orderBy('g.created_at')
        .limit(BATCH)
        .execute();
      const claimed: ClaimedJob[] = [];
      for (const { id } of candidates) {
        const job = await db.transaction().execute(async (trx) => {
          const renewed = await trx
            .updateTable('generations')
            .set({ lease_expires_at: now + leaseMs })
            .where('id', '=', id)
            .where('status', '=', 'processing')
            .where('lease_expires_at', '<', now)
            .executeTakeFirst();
          if (renewed.numUpdatedRows === 0n) return undefined;
          await trx
            .updateTable('generation_jobs')
            .set((eb) => ({ takeovers: eb('takeovers', '+', 1) }))
            .where('generation_id', '=', id)
            .execute();
          return trx
            .selectFrom('generation_jobs as j')
            .innerJoin('generations as g', 'g.id', 'j.generation_id')
            .select([
              'j.fields_json',
              'j.inputs_json',
              'j.takeovers',
              'g.account_id',
              'g.api_key_id',
              'g.created_at',
              'g.model',
              'g.reserved_micros',
            ])
            .where('j.generation_id', '=', id)
            .executeTakeFirstOrThrow();
        });
        if (job === undefined) continue;
        const inputs = inputsSchema.parse(JSON.parse(job.inputs_json));
        claimed.push({
          generationId: id,
          fields: fieldsSchema.parse(JSON.parse(job.fields_json)),
          images: inputs.images.map((image) => Buffer.from(image, 'base64')),
          mask: inputs.mask === null ? undefined : Buffer.from(inputs.mask, 'base64'),
          accountId: job.account_id,
          apiKeyId: job.api_key_id,
          startedAt: job.created_at,
          model: job.model,
          reservedMicros: job.reserved_micros,
          takeovers: job.takeovers,
        });
      }
      return claimed;
    },
  };
}
