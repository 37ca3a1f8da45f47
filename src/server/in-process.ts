// walship-server's entry point for the in-process local transport (--transport local). Clients hand
// this loader to createTransport, so the transport layer depends on no server code; the dynamic
// import keeps the server's modules unloaded until a local command runs.

import type { ServerEntry } from '../transport/local.js';

export const loadServerMain = async (): Promise<ServerEntry> => (await import('./cli.js')).serverMain;
