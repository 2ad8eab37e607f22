import type { ConnectionOptions } from 'node:tls';
import {
  Http1Connection,
  type Http1ConnectionTarget,
  type Http1Exchange,
  type Http1Request,
  type Http1ResponseHandler,
} from './http1-connection.js';

export interface Http1PoolOptions {
  /** Most connections to one origin; requests beyond wait for one to come free. */
  maxConnectionsPerOrigin: number;
  /** How long an idle connection is kept when the server did not say (`keep-alive: timeout=N`). */
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  /** Extra TLS options (a test's own CA); the system's CAs otherwise. */
  tls?: ConnectionOptions;
}

/** TLS sessions kept to resume, one per origin, for this many origins (the most recently stored). */
const MAX_TLS_SESSIONS = 100;

/** A server's own idle timeout is cut by this much, so the connection is retired before the server closes it. */
const SERVER_IDLE_MARGIN_MS = 1000;

interface Origin {
  key: string;
  target: Http1ConnectionTarget;
  /** Open connections, busy or idle. */
  connections: Set<Http1Connection>;
  /** Idle connections, the most recently used last (reused first: its socket is warmest). */
  idle: Http1Connection[];
  idleTimers: Map<Http1Connection, NodeJS.Timeout>;
  waiting: Array<{ request: Http1Request; handler: Http1ResponseHandler; exchange: PooledExchange }>;
}

interface PooledExchange extends Http1Exchange {
  connection: Http1Connection | undefined;
  done: boolean;
  /** Sent again once already, on a new connection, after a reused one failed unanswered. */
  retried: boolean;
}

/** Methods a server may see twice without harm (RFC 9110 §9.2.2); a POST is never sent again. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/**
 * Keep-alive HTTP/1.1 connections per origin for the gateway's calls to providers
 * (`Http1Connection`). A connection carries one exchange at a time, is reused only after a
 * complete, well-framed answer the server did not mark `connection: close`, and is retired when
 * idle past the server's announced timeout (less a second) or `idleTimeoutMs`. Idle connections
 * do not keep the process alive.
 */
export class Http1Pool {
  private readonly origins = new Map<string, Origin>();
  /** Kept apart from `origins`, which forgets an origin with nothing open: a session outlives its connections. */
  private readonly tlsSessions = new Map<string, Buffer>();
  private closed = false;

  constructor(private readonly options: Http1PoolOptions) {}

  /** Sends `request` to `url`'s origin; the answer goes to `handler`, never synchronously. */
  request(url: URL, request: Http1Request, handler: Http1ResponseHandler): Http1Exchange {
    let origin = this.origin(url);
    const exchange: PooledExchange = {
      connection: undefined,
      done: false,
      retried: false,
      abort: () => {
        if (exchange.done) return;
        exchange.done = true;
        const waiting = origin.waiting.findIndex((entry) => entry.exchange === exchange);
        if (waiting >= 0) origin.waiting.splice(waiting, 1);
        exchange.connection?.abort();
      },
    };
    const tracked = trackDone(exchange, handler, () => this.retryUnanswered(origin, request, handler, exchange));
    if (this.closed) {
      queueMicrotask(() => tracked.onResponseError(new Error('the upstream connection pool is closed')));
      return exchange;
    }
    // Asynchronously, as undici's dispatch: the caller has its exchange before any callback.
    queueMicrotask(() => {
      if (exchange.done) return;
      // Forgotten meanwhile if its last connection closed: look it up again.
      origin = this.origin(url);
      const connection = this.idleConnection(origin) ?? this.newConnection(origin);
      if (connection === undefined) origin.waiting.push({ request, handler: tracked, exchange });
      else this.start(connection, request, tracked, exchange);
    });
    return exchange;
  }

  /** Closes every connection, idle or busy; later requests fail. */
  close(): void {
    this.closed = true;
    for (const origin of this.origins.values()) {
      for (const timer of origin.idleTimers.values()) clearTimeout(timer);
      for (const connection of origin.connections) connection.destroy();
      for (const { handler } of origin.waiting.splice(0)) handler.onResponseError(new Error('the upstream connection pool is closed'));
    }
  }

  private origin(url: URL): Origin {
    const protocol = url.protocol === 'https:' ? 'https:' : url.protocol === 'http:' ? 'http:' : undefined;
    if (protocol === undefined) throw new TypeError(`Http1Pool: unsupported protocol '${url.protocol}'`);
    const port = url.port === '' ? (protocol === 'https:' ? 443 : 80) : Number(url.port);
    const key = `${protocol}//${url.host}`;
    let origin = this.origins.get(key);
    if (origin === undefined) {
      origin = {
        key,
        target: { protocol, host: url.hostname.replace(/^\[|\]$/g, ''), port, authority: url.host },
        connections: new Set(),
        idle: [],
        idleTimers: new Map(),
        waiting: [],
      };
      this.origins.set(key, origin);
    }
    return origin;
  }

  private idleConnection(origin: Origin): Http1Connection | undefined {
    for (let connection = origin.idle.pop(); connection !== undefined; connection = origin.idle.pop()) {
      clearTimeout(origin.idleTimers.get(connection));
      origin.idleTimers.delete(connection);
      if (connection.reusable) return connection;
      connection.destroy();
    }
    return undefined;
  }

  private newConnection(origin: Origin): Http1Connection | undefined {
    if (origin.connections.size >= this.options.maxConnectionsPerOrigin) return undefined;
    const connection = new Http1Connection(
      origin.target,
      {
        onExchangeDone: (done, reusable) => this.onExchangeDone(origin, done, reusable),
        onClosed: (gone) => this.onClosed(origin, gone),
        onTlsSession: (session) => this.keepTlsSession(origin.key, session),
      },
      {
        connectTimeoutMs: this.options.connectTimeoutMs,
        ...(this.options.tls ? { tls: this.options.tls } : {}),
        ...(this.tlsSessions.has(origin.key) ? { tlsSession: this.tlsSessions.get(origin.key)! } : {}),
      },
    );
    origin.connections.add(connection);
    return connection;
  }

  private keepTlsSession(key: string, session: Buffer): void {
    this.tlsSessions.delete(key);
    this.tlsSessions.set(key, session);
    if (this.tlsSessions.size > MAX_TLS_SESSIONS) this.tlsSessions.delete(this.tlsSessions.keys().next().value!);
  }

  private start(connection: Http1Connection, request: Http1Request, handler: Http1ResponseHandler, exchange: PooledExchange): void {
    exchange.connection = connection;
    try {
      connection.send(request, handler);
    } catch (error) {
      connection.abort();
      handler.onResponseError(error as Error);
    }
  }

  /**
   * An idempotent request whose reused connection failed before a byte of the answer arrived is
   * sent once more on a fresh connection (the server most likely closed the idle one as it was
   * reused). True when it was.
   */
  private retryUnanswered(origin: Origin, request: Http1Request, handler: Http1ResponseHandler, exchange: PooledExchange): boolean {
    const connection = exchange.connection;
    if (exchange.retried || this.closed || connection === undefined || !connection.failedUnanswered || !IDEMPOTENT.has(request.method)) {
      return false;
    }
    exchange.retried = true;
    exchange.connection = undefined;
    const once = trackDone(exchange, handler, () => false);
    const fresh = this.newConnection(origin);
    if (fresh === undefined) origin.waiting.push({ request, handler: once, exchange });
    else this.start(fresh, request, once, exchange);
    return true;
  }

  private onExchangeDone(origin: Origin, connection: Http1Connection, reusable: boolean): void {
    const idleMs = Math.min(this.options.idleTimeoutMs, (connection.serverIdleTimeoutMs ?? Infinity) - SERVER_IDLE_MARGIN_MS);
    if (!reusable || this.closed || idleMs <= 0) {
      connection.destroy();
      return; // onClosed hands its place to a waiting request
    }
    const next = origin.waiting.shift();
    if (next !== undefined) {
      this.start(connection, next.request, next.handler, next.exchange);
      return;
    }
    origin.idle.push(connection);
    const timer = setTimeout(() => {
      origin.idleTimers.delete(connection);
      const at = origin.idle.indexOf(connection);
      if (at >= 0) origin.idle.splice(at, 1);
      connection.destroy();
    }, idleMs);
    timer.unref();
    origin.idleTimers.set(connection, timer);
  }

  private onClosed(origin: Origin, connection: Http1Connection): void {
    if (!origin.connections.delete(connection)) return;
    clearTimeout(origin.idleTimers.get(connection));
    origin.idleTimers.delete(connection);
    const at = origin.idle.indexOf(connection);
    if (at >= 0) origin.idle.splice(at, 1);
    if (this.closed) return;
    const next = origin.waiting.shift();
    if (next === undefined) {
      // Polling URLs name hosts of the provider's choosing: an origin with nothing open is forgotten.
      if (origin.connections.size === 0) this.origins.delete(origin.key);
      return;
    }
    const replacement = this.idleConnection(origin) ?? this.newConnection(origin);
    if (replacement === undefined) origin.waiting.unshift(next);
    else this.start(replacement, next.request, next.handler, next.exchange);
  }
}

/**
 * Marks the exchange done when its handler hears the end or an error, so a late abort is a no-op;
 * an error `retry` takes care of (by sending the request again) is not passed on.
 */
function trackDone(exchange: PooledExchange, handler: Http1ResponseHandler, retry: () => boolean): Http1ResponseHandler {
  return {
    onResponseStart: (status, headers, contentLength) => handler.onResponseStart(status, headers, contentLength),
    onResponseData: (chunk) => handler.onResponseData(chunk),
    onResponseEnd: () => {
      exchange.done = true;
      handler.onResponseEnd();
    },
    onResponseError: (error) => {
      if (exchange.done || retry()) return;
      exchange.done = true;
      handler.onResponseError(error);
    },
  };
}
