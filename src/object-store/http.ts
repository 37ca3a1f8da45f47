// One HTTP exchange with the store over a keep-alive agent: sign, send, and hand back the status,
// headers and either the whole (small) body or the body stream. TLS certificates are verified
// always; a private CA comes from --ca-file, never by switching verification off.

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { errnoCode, ObjectStoreConfigError } from '../errors.js';

export interface HttpRequest {
  method: 'GET' | 'PUT';
  url: URL;
  headers: Record<string, string>;
  /** A buffer, or a function opening the body again for each attempt. */
  body?: Buffer | (() => Readable) | undefined;
}

export interface HttpAgents {
  agentFor(url: URL): HttpAgent;
  close(): void;
}

/** One agent per protocol per client (per call, per agent lane, per prefetch worker): its requests reuse connections. */
export function createAgents(caFile: string | undefined): HttpAgents {
  const ca = caFile === undefined ? undefined : readCaFile(caFile);
  // As many sockets as restore's -p may have GETs in flight (64, its largest), so none queues behind another.
  const options = { keepAlive: true, maxSockets: 64, keepAliveMsecs: 1_000 };
  const http = new HttpAgent(options);
  // Written out, not left to Node's default: the default follows NODE_TLS_REJECT_UNAUTHORIZED, and
  // "0" there would switch verification off for every request (measured on Node 20: the explicit
  // option wins, the variable then only makes Node print its warning). `ca` replaces the system
  // roots, as the AWS CLI's --ca-bundle does: with --ca-file only that CA is trusted.
  const https = new HttpsAgent({ ...options, rejectUnauthorized: true, ...(ca === undefined ? {} : { ca }) });
  return { agentFor: (url) => (url.protocol === 'https:' ? https : http), close: () => (http.destroy(), https.destroy()) };
}

/**
 * The --ca-file bundle: one or more PEM certificates, the only form Node's `ca` takes. Checked here
 * because Node ignores what is not PEM without a word, and the store would then fail every call as
 * untrusted: a configuration mistake must read as one (exit 2) before anything is sent.
 */
function readCaFile(caFile: string): Buffer {
  let bundle: Buffer;
  try {
    bundle = readFileSync(caFile);
  } catch (error) {
    throw new ObjectStoreConfigError(`cannot read the CA file ${caFile}: ${(error as Error).message}`, { cause: error });
  }
  const pems = bundle.toString('latin1').match(/-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) {
    throw new ObjectStoreConfigError(`the CA file ${caFile} holds no PEM certificate (no -----BEGIN CERTIFICATE----- block)`, {
      hint: `--ca-file takes PEM; a DER certificate converts with: openssl x509 -inform der -in ${caFile} -out ca.pem`,
    });
  }
  for (const pem of pems) {
    try {
      new X509Certificate(pem);
    } catch (error) {
      throw new ObjectStoreConfigError(`the CA file ${caFile} holds a certificate that does not parse: ${(error as Error).message}`, { cause: error });
    }
  }
  return bundle;
}

/**
 * OpenSSL's verification failures as Node reports them (node:tls "X509 certificate error codes") and
 * Node's host-name check. Never retried: waiting does not make a certificate trusted.
 */
const CERTIFICATE_ERRORS = new Set([
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'CERT_SIGNATURE_FAILURE', 'CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED', 'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'CERT_CHAIN_TOO_LONG', 'CERT_REVOKED',
  'INVALID_CA', 'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'HOSTNAME_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** What to do about a certificate the endpoint presented and verification refused; undefined for any other failure. */
export function certificateHint(error: unknown, url: URL): string | undefined {
  const code = errnoCode(error);
  if (code === undefined || !CERTIFICATE_ERRORS.has(code)) return undefined;
  return `the certificate of ${url.host} failed verification (${code}); for a store with a private CA, pass the CA's PEM file with --ca-file`;
}

/**
 * Who may cancel a request, and the error it then ends with. The error is the caller's (the client
 * names the object and makes it a transport failure), and a response already handed back is
 * destroyed with it too, so a body being read stops as promptly as a request waiting for headers.
 */
export interface RequestCancel {
  signals: readonly AbortSignal[];
  error: () => Error;
}

/** Calls `onAbort` once, when the first of `signals` aborts (at once if one has); returns the function that stops listening. */
export function whenAborted(signals: readonly AbortSignal[], onAbort: () => void): () => void {
  if (signals.some((signal) => signal.aborted)) {
    onAbort();
    return () => undefined;
  }
  const listener = (): void => {
    stop();
    onAbort();
  };
  const stop = (): void => signals.forEach((signal) => signal.removeEventListener('abort', listener));
  // Listeners removed once the request is over: the client's own signal lives as long as the client,
  // and one left per request would pile up (Node warns past 10).
  signals.forEach((signal) => signal.addEventListener('abort', listener, { once: true }));
  return stop;
}

/** Sends the request; resolves with the response once its headers arrived (the body not yet read). */
export function send(agents: HttpAgents, req: HttpRequest, timeoutMs: number, cancel: RequestCancel = { signals: [], error: () => new Error('aborted') }): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (cancel.signals.some((signal) => signal.aborted)) return reject(cancel.error());
    const call = (req.url.protocol === 'https:' ? httpsRequest : httpRequest)(req.url, { method: req.method, headers: req.headers, agent: agents.agentFor(req.url) });
    let response: IncomingMessage | undefined;
    const stopListening = whenAborted(cancel.signals, () => {
      const error = cancel.error();
      call.destroy(error);
      response?.destroy(error);
    });
    // Listening ends with the response (its body read or dropped), or with the request if no response came.
    call.on('close', () => response === undefined && stopListening());
    // A store that stops answering (stopped mid-upload) must not hang archive_command forever.
    call.setTimeout(timeoutMs, () => call.destroy(Object.assign(new Error(`no answer from ${req.url.host} in ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    call.on('error', reject);
    call.on('response', (message: IncomingMessage) => {
      response = message;
      message.on('close', stopListening);
      resolve(message);
    });
    const body = req.body;
    if (body === undefined) call.end();
    else if (Buffer.isBuffer(body)) call.end(body);
    else {
      const stream = body();
      stream.on('error', (error) => call.destroy(error));
      stream.pipe(call);
    }
  });
}

/** Reads a whole response body (error documents, listings, small objects). */
export async function readBody(response: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The first <Tag>text</Tag> of an S3 XML document, entities decoded; enough for Code, Message and listings. */
export const xmlText = (xml: string, tag: string): string | undefined => xmlTexts(xml, tag)[0];

export function xmlTexts(xml: string, tag: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g');
  for (let m = re.exec(xml); m !== null; m = re.exec(xml)) out.push(decodeXml(m[1] as string));
  return out;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decodeXml = (text: string): string =>
  text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, entity: string) =>
    entity.startsWith('#x') ? String.fromCodePoint(parseInt(entity.slice(2), 16)) : entity.startsWith('#') ? String.fromCodePoint(Number(entity.slice(1))) : (ENTITIES[entity] ?? whole),
  );
