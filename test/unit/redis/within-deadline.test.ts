import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { RedisDeadlineError, withinDeadline } from '../../../src/redis/within-deadline.js';
import { sendThenBlock } from '../../helpers/block-event-loop.js';

describe('withinDeadline', () => {
  it('settles as the command when it answers in time, and rejects as it does', async () => {
    await expect(withinDeadline(Promise.resolve('pong'), 50)).resolves.toBe('pong');
    const refused = new Error('WRONGTYPE');
    await expect(withinDeadline(Promise.reject(refused), 50)).rejects.toBe(refused);
  });

  it('rejects with a timeout naming the deadline when the command never answers', async () => {
    let outcome: unknown = 'pending';
    const done = withinDeadline(new Promise(() => undefined), 30).catch((caught: unknown) => (outcome = caught));
    // A shorter timer fires first however slow the machine: the deadline has not passed yet.
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(outcome).toBe('pending');
    await done;
    expect(outcome).toBeInstanceOf(RedisDeadlineError);
    expect((outcome as Error).message).toBe('Redis command timed out after 30 ms');
  });

  it('takes an answer that reached the socket while the event loop was blocked past the deadline', async () => {
    // The answering side runs on a thread of its own, as Redis does in its own process: it answers
    // while this thread is blocked. The answer is then an I/O event, read in the poll phase, which
    // comes after the timers phase where the deadline fires.
    const answerer = new Worker(
      `const { createServer } = require('node:net');
      const { parentPort } = require('node:worker_threads');
      const server = createServer((socket) => {
        socket.on('error', () => undefined);
        socket.on('data', () => socket.write('answer'));
      });
      server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));`,
      { eval: true },
    );
    const [port] = (await once(answerer, 'message')) as [number];
    const client: Socket = connect(port, '127.0.0.1');
    client.on('error', () => undefined);
    await once(client, 'connect');
    try {
      const answer = sendThenBlock(() => {
        const reply = new Promise<string>((answered) => client.once('data', (data) => answered(data.toString())));
        client.write('question');
        return withinDeadline(reply, 20);
      }, 200);
      await expect(answer).resolves.toBe('answer');
    } finally {
      client.destroy();
      await answerer.terminate();
    }
  });

  it('ignores the command once the deadline has passed: its late answer or error changes nothing', async () => {
    let fail: (error: Error) => void = () => undefined;
    const late = new Promise<string>((_resolve, reject) => (fail = reject));
    const outcome = withinDeadline(late, 10).catch((caught: unknown) => caught);
    expect(await outcome).toBeInstanceOf(RedisDeadlineError);
    fail(new Error('Connection is closed.'));
    await new Promise((resolve) => setTimeout(resolve, 5));
  });
});
