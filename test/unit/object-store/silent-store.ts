// A local HTTP server standing in for a store that accepts requests and never answers (or answers
// as told): the client's request stays on the wire until something cancels it.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Store {
  server: Server;
  /** Requests that reached the server: a retry would add one. */
  requests: IncomingMessage[];
  url: string;
}

/** A store that accepts every request and answers only when `respond` says so (by default never). */
export async function startStore(respond: (req: IncomingMessage) => { status: number; body: string } | undefined = () => undefined): Promise<Store> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    const answer = respond(req);
    if (answer !== undefined) res.writeHead(answer.status).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, requests, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Resolves once the server holds `count` requests (the client's request is on the wire). */
export async function requestsArrived(store: Store, count: number): Promise<void> {
  while (store.requests.length < count) await new Promise((resolve) => setTimeout(resolve, 10));
}

export async function stopStore(store: Store): Promise<void> {
  store.server.closeAllConnections();
  await new Promise((resolve) => store.server.close(resolve));
}
