// A small S3 client: the four calls walship needs (PUT, conditional PUT, GET, LIST v2) over
// one keep-alive agent, each signed with SigV4 and retried with backoff on throttling, 5xx and
// dropped connections. Why not the AWS SDK: README "Object storage" has the measured load cost.
// Every call can be cancelled (close(), a per-call signal, a view bound by withSignal): a cancelled
// call ends at once, mid-request or mid-pause, and is never retried.

import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { ObjectStoreError } from '../errors.js';
import { certificateHint, createAgents, readBody, send, whenAborted, xmlText, xmlTexts, type HttpAgents, type HttpRequest, type RequestCancel } from './http.js';
import { backoffDelay, DEFAULT_RETRY, isRetryableNetworkError, isRetryableStatus, type RetryPolicy } from './retry.js';
import { EMPTY_SHA256, sha256Hex, signRequest, type Credentials } from './sigv4.js';
import { objectUrl, type StoreEndpoint } from './target.js';

export interface ObjectStoreConfig {
  endpoint: StoreEndpoint;
  bucket: string;
  credentials: Credentials;
  caFile?: string | undefined;
  retry?: RetryPolicy;
  /** Per attempt: no answer for this long counts as a dropped connection. */
  timeoutMs?: number;
  /** Told about each retry (stderr of the command), so a slow archive explains itself. */
  warn?: (line: string) => void;
}

/** What a PUT carries: the bytes (or a way to re-read them for a retry) with their digests, computed before sending. */
export interface PutBody {
  length: number;
  md5: Buffer;
  sha256Hex: string;
  data: Buffer | (() => Readable);
}

export const putBodyOf = (data: Buffer): PutBody => ({
  length: data.length,
  md5: createHash('md5').update(data).digest(),
  sha256Hex: sha256Hex(data),
  data,
});

export type PutOutcome = 'created' | 'exists';

/** Per call: a signal whose abort ends the call at once (a transport's abort, a cancelled fetch). */
export interface CallOptions {
  signal?: AbortSignal | undefined;
}

/** What a client and the views withSignal makes of it share: the connection pool and what close() aborts. */
interface Shared {
  agents: HttpAgents;
  closed: AbortController;
}

export class ObjectStore {
  private readonly retry: RetryPolicy;
  private readonly shared: Shared;
  /** close()'s signal, plus the signals of the views this one was made by. */
  private readonly signals: readonly AbortSignal[];
  constructor(
    private readonly config: ObjectStoreConfig,
    bound?: { shared: Shared; signals: readonly AbortSignal[] },
  ) {
    this.retry = config.retry ?? DEFAULT_RETRY;
    this.shared = bound?.shared ?? { agents: createAgents(config.caFile), closed: closeSignal() };
    this.signals = bound?.signals ?? [this.shared.closed.signal];
  }

  /**
   * The same client (pool, close()) whose every call also ends when `signal` aborts: for callers
   * that hand the store on to code taking no signal (putWalObject, the identity check, the peek walk).
   */
  withSignal(signal: AbortSignal | undefined): ObjectStore {
    return signal === undefined ? this : new ObjectStore(this.config, { shared: this.shared, signals: [...this.signals, signal] });
  }

  /**
   * Stores the object and resolves only once the store acknowledged it with 200 after checking
   * Content-MD5 and the signed x-amz-content-sha256 against what it received. `ifAbsent` sends
   * If-None-Match: *, so an existing object is never replaced: the answer is then 'exists'.
   */
  async putObject(key: string, body: PutBody, { ifAbsent, signal }: { ifAbsent: boolean } & CallOptions): Promise<PutOutcome> {
    const headers: Record<string, string> = {
      'content-length': String(body.length),
      'content-md5': body.md5.toString('base64'),
      'content-type': 'application/octet-stream',
    };
    if (ifAbsent) headers['if-none-match'] = '*';
    const response = await this.exchange({ method: 'PUT', key, headers, payloadHash: body.sha256Hex, body: body.data }, [412], signal);
    await readBody(response);
    if (response.statusCode === 412) return 'exists';
    this.checkEtag(key, response, body.md5);
    return 'created';
  }

  /** The object's bytes as a stream; undefined when no such object exists (404). */
  async getObject(key: string, { signal }: CallOptions = {}): Promise<Readable | undefined> {
    const response = await this.exchange({ method: 'GET', key, headers: {} }, [404], signal);
    if (response.statusCode === 404) return void (await readBody(response));
    return response;
  }

  async getObjectBuffer(key: string, options: CallOptions = {}): Promise<Buffer | undefined> {
    const stream = await this.getObject(key, options);
    return stream && readBody(stream as IncomingMessage);
  }

  /** Every key starting with prefix (LIST v2, all pages). */
  async listKeys(prefix: string, { signal }: CallOptions = {}): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix, ...(token === undefined ? {} : { 'continuation-token': token }) };
      const response = await this.exchange({ method: 'GET', key: '', headers: {}, query }, [], signal);
      const xml = (await readBody(response)).toString('utf8');
      keys.push(...xmlTexts(xml, 'Key'));
      token = xmlText(xml, 'IsTruncated') === 'true' ? xmlText(xml, 'NextContinuationToken') : undefined;
    } while (token !== undefined);
    return keys;
  }

  /** Ends every call in flight or to come (of every view too) and drops the pooled connections. */
  close(): void {
    this.shared.closed.abort();
    this.shared.agents.close();
  }

  /** A single-PUT ETag is the body's MD5 on S3 and radosgw; any other form (SSE-KMS) is left to Content-MD5. */
  private checkEtag(key: string, response: IncomingMessage, md5: Buffer): void {
    const etag = String(response.headers.etag ?? '').replace(/"/g, '');
    if (/^[0-9a-f]{32}$/i.test(etag) && etag.toLowerCase() !== md5.toString('hex')) {
      throw new ObjectStoreError(`the store acknowledged ${key} with ETag ${etag}, not the MD5 ${md5.toString('hex')} of what was sent`, response.statusCode, undefined);
    }
  }

  /**
   * Signs and sends, retrying retryable failures. Resolves with a 2xx response or one whose status
   * is in `accept` (404 for GET, 412 for a conditional PUT); anything else throws ObjectStoreError.
   */
  private async exchange(
    req: { method: HttpRequest['method']; key: string; headers: Record<string, string>; query?: Record<string, string>; payloadHash?: string; body?: HttpRequest['body'] },
    accept: number[],
    signal: AbortSignal | undefined,
  ): Promise<IncomingMessage> {
    const url = objectUrl(this.config.endpoint, this.config.bucket, req.key);
    for (const [name, value] of Object.entries(req.query ?? {})) url.searchParams.set(name, value);
    const what = `${req.method} s3://${this.config.bucket}/${req.key}`;
    const cancel: RequestCancel = { signals: signal === undefined ? this.signals : [...this.signals, signal], error: () => cancelledError(what) };
    const payloadHash = req.payloadHash ?? EMPTY_SHA256;
    for (let attempt = 0; ; attempt++) {
      const last = attempt + 1 >= this.retry.attempts;
      const signed = signRequest({
        method: req.method,
        url,
        headers: { ...req.headers, 'x-amz-content-sha256': payloadHash },
        payloadHash,
        credentials: this.config.credentials,
        region: this.config.endpoint.region,
        service: 's3',
        now: new Date(),
      });
      let response: IncomingMessage;
      try {
        response = await send(this.shared.agents, { method: req.method, url, headers: signed.headers, body: req.body }, this.config.timeoutMs ?? 60_000, cancel);
      } catch (error) {
        if (error instanceof ObjectStoreError) throw error; // cancelled: cancel.error's, never retried
        // No status: the store never answered, which walship-archive exits 3 for and walship-restore 2,
        // as they do when ssh fails. A refused certificate is one such case on purpose: like ssh's
        // host-key check failing, it means no trusted store was reached, not that the store said no.
        if (last || !isRetryableNetworkError(error)) {
          throw new ObjectStoreError(`${what}: ${(error as Error).message}`, undefined, undefined, { cause: error, hint: certificateHint(error, url) });
        }
        await this.pause(attempt, `${what}: ${(error as Error).message}`, cancel);
        continue;
      }
      const status = response.statusCode ?? 0;
      if ((status >= 200 && status < 300) || accept.includes(status)) return response;
      const text = (await readBody(response).catch(() => Buffer.alloc(0))).toString('utf8');
      const code = xmlText(text, 'Code');
      if (last || !isRetryableStatus(status, code)) {
        const message = xmlText(text, 'Message');
        throw new ObjectStoreError(`${what}: the store answered ${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`, status, code, {
          ...(status === 403 ? { hint: 'check the credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws/credentials) and the bucket policy' } : {}),
        });
      }
      await this.pause(attempt, `${what}: ${status}${code ? ` ${code}` : ''}`, cancel);
    }
  }

  private async pause(attempt: number, reason: string, cancel: RequestCancel): Promise<void> {
    const delay = backoffDelay(this.retry, attempt);
    this.config.warn?.(`WARNING: ${reason}; retrying in ${delay} ms`);
    const waking = new AbortController();
    const stopListening = whenAborted(cancel.signals, () => waking.abort());
    try {
      await sleep(delay, undefined, { signal: waking.signal });
    } catch {
      throw cancel.error();
    } finally {
      stopListening();
    }
  }
}

/**
 * close()'s controller. Every call in flight listens on its signal (restore -p 64 has 64 GETs on one
 * client), and Node warns on stderr past 10 listeners; each call removes its own when it ends (http.ts).
 */
function closeSignal(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/**
 * A call cancelled on our side (close(), a transport's abort): no status, so a transport failure
 * at most (walship-archive 3, walship-restore 2, the far end thrown as unreachable), as when ssh is
 * killed; never an answer of the store, and never "not in the archive".
 */
const cancelledError = (what: string): ObjectStoreError => new ObjectStoreError(`${what}: cancelled`, undefined, undefined);
