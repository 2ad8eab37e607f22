/**
 * The overhead benchmark's yardstick, run as its own process: the least a Node proxy can do on
 * this workload. It reads the client's body, sends it to the upstream, buffers the whole answer
 * (as a gateway that checks the result must) and writes it back; no parsing, no auth, no records.
 * Usage: `pass-through-proxy.ts <upstream port> [port]`; prints `listening <port>` when ready.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const upstreamPort = Number(process.argv[2]);
if (!Number.isInteger(upstreamPort) || upstreamPort <= 0) throw new Error('usage: pass-through-proxy.ts <upstream port> [port]');
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function readAll(stream: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

const server = http.createServer((request, response) => {
  const fail = (): void => {
    if (!response.headersSent) response.writeHead(502, { 'content-type': 'application/json' });
    response.end('{"error":{"message":"upstream failed"}}');
  };
  readAll(request)
    .then((body) => {
      const headers = { ...request.headers, host: `127.0.0.1:${upstreamPort}`, 'content-length': String(body.length) };
      const upstream = http.request({ host: '127.0.0.1', port: upstreamPort, method: request.method, path: request.url, headers, agent });
      upstream.once('error', fail);
      upstream.once('response', (answer) => {
        readAll(answer)
          .then((bytes) => {
            const type = answer.headers['content-type'] ?? 'application/json';
            response.writeHead(answer.statusCode ?? 502, { 'content-type': type, 'content-length': String(bytes.length) }).end(bytes);
          })
          .catch(fail);
      });
      upstream.end(body);
    })
    .catch(fail);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
