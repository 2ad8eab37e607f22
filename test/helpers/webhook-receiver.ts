import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST the receiver got: headers as Node lower-cases them, the body exactly as sent. */
export interface ReceivedWebhook {
  path: string;
  headers: http.IncomingHttpHeaders;
  rawBody: Buffer;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Answers the next POSTs to `path` with these statuses in order, then 200. */
  answer(path: string, statuses: number[]): void;
  received(path: string): ReceivedWebhook[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 that records every POST and answers scripted statuses. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const scripts = new Map<string, number[]>();
  const received: ReceivedWebhook[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      received.push({ path, headers: request.headers, rawBody: Buffer.concat(chunks) });
      const status = scripts.get(path)?.shift() ?? 200;
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'try again');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answer: (path, statuses) => void scripts.set(path, [...statuses]),
    received: (path) => received.filter((hook) => hook.path === path),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
