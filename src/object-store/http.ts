// One HTTP exchange with the store over a keep-alive agent: sign, send, and hand back the status,
// headers and either the whole (small) body or the body stream. TLS certificates are verified
// always; a private CA comes from --ca-file, never by switching verification off.

import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { ObjectStoreConfigError } from '../errors.js';

export interface HttpRequest {
  method: 'GET' | 'PUT' | 'HEAD' | 'DELETE';
  url: URL;
  headers: Record<string, string>;
  /** A buffer, or a function opening the body again for each attempt. */
  body?: Buffer | (() => Readable) | undefined;
}

export interface HttpAgents {
  agentFor(url: URL): HttpAgent;
  close(): void;
}

/** One agent per protocol per process: segments of one call, and the agent's PUTs, reuse connections. */
export function createAgents(caFile: string | undefined): HttpAgents {
  let ca: Buffer | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile);
    } catch (error) {
      throw new ObjectStoreConfigError(`cannot read the CA file ${caFile}: ${(error as Error).message}`, { cause: error });
    }
  }
  const options = { keepAlive: true, maxSockets: 16, keepAliveMsecs: 1_000 };
  const http = new HttpAgent(options);
  // rejectUnauthorized is Node's default; written out because it is a promise of this tool.
  const https = new HttpsAgent({ ...options, rejectUnauthorized: true, ...(ca === undefined ? {} : { ca }) });
  return { agentFor: (url) => (url.protocol === 'https:' ? https : http), close: () => (http.destroy(), https.destroy()) };
}

/** Sends the request; resolves with the response once its headers arrived (the body not yet read). */
export function send(agents: HttpAgents, req: HttpRequest, timeoutMs: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const call = (req.url.protocol === 'https:' ? httpsRequest : httpRequest)(req.url, { method: req.method, headers: req.headers, agent: agents.agentFor(req.url) });
    // A store that stops answering (stopped mid-upload) must not hang archive_command forever.
    call.setTimeout(timeoutMs, () => call.destroy(Object.assign(new Error(`no answer from ${req.url.host} in ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    call.on('error', reject);
    call.on('response', resolve);
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
