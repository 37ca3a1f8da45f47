// Opening the object store an s3:// target names: location, endpoint, credentials, client.

import { loadCredentials } from './credentials.js';
import { ObjectStore } from './client.js';
import type { ObjectStoreFlags } from './flags.js';
import { parseStoreUrl, resolveEndpoint, type StoreLocation } from './target.js';

export interface OpenedStore {
  store: ObjectStore;
  location: StoreLocation;
}

export async function openObjectStore(target: string, flags: ObjectStoreFlags, env: NodeJS.ProcessEnv, warn: (line: string) => void): Promise<OpenedStore> {
  const location = parseStoreUrl(target);
  const endpoint = resolveEndpoint(flags.endpointUrl, env);
  const credentials = await loadCredentials(env);
  return { location, store: new ObjectStore({ endpoint, bucket: location.bucket, credentials, caFile: flags.caFile, warn }) };
}
