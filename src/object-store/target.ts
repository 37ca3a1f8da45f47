// The object-storage target on the command line: `s3://BUCKET[/PREFIX]` in place of BARMAN_HOST
// (barman-cloud's SOURCE_URL / DESTINATION_URL), plus where the store answers (--endpoint-url or
// AWS_ENDPOINT_URL, else AWS's regional endpoint) and the region the signature names.

import { ObjectStoreConfigError } from '../errors.js';

export interface StoreLocation {
  bucket: string;
  /** Key prefix without leading or trailing slash; '' for the bucket's root. */
  prefix: string;
}

export interface StoreEndpoint {
  /** Base URL requests go to; path-style (endpoint/bucket/key) unless virtualHost. */
  url: URL;
  /** AWS's own endpoint takes the bucket as a host name; private stores take it in the path. */
  virtualHost: boolean;
  region: string;
}

export const OBJECT_STORE_SCHEME = 's3://';
export const isObjectStoreUrl = (target: string): boolean => target.startsWith(OBJECT_STORE_SCHEME);

/** S3's bucket name rules (3-63 of a-z 0-9 . -), so a bucket never smuggles a path or a host. */
const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseStoreUrl(target: string): StoreLocation {
  const rest = target.slice(OBJECT_STORE_SCHEME.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
  if (!BUCKET_RE.test(bucket)) throw new ObjectStoreConfigError(`${JSON.stringify(target)}: ${JSON.stringify(bucket)} is not a valid bucket name`);
  // Keys are built by joining with '/': an empty, '.' or '..' segment would name another object on stores that normalise.
  if (prefix !== '' && prefix.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new ObjectStoreConfigError(`${JSON.stringify(target)}: the prefix may not hold empty, '.' or '..' segments`);
  }
  return { bucket, prefix };
}

export function resolveEndpoint(endpointUrl: string | undefined, env: NodeJS.ProcessEnv): StoreEndpoint {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  const given = endpointUrl ?? (env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined);
  if (given === undefined) return { url: new URL(`https://s3.${region}.amazonaws.com`), virtualHost: true, region };
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new ObjectStoreConfigError(`endpoint URL ${JSON.stringify(given)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ObjectStoreConfigError(`endpoint URL ${given} must be http:// or https://`);
  return { url, virtualHost: false, region };
}

/** The URL of one object (or of the bucket, key ''), each key segment encoded once. */
export function objectUrl(endpoint: StoreEndpoint, bucket: string, key: string): URL {
  const encodedKey = key.split('/').map(encodeURIComponent).join('/');
  const base = endpoint.url.pathname.replace(/\/+$/, '');
  const url = new URL(endpoint.url.href);
  if (endpoint.virtualHost) {
    url.host = `${bucket}.${url.host}`;
    url.pathname = `${base}/${encodedKey}`;
  } else {
    url.pathname = `${base}/${bucket}/${encodedKey}`;
  }
  return url;
}
