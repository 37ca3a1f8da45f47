// The object-store flags walship-archive and walship-restore share. Kept apart from the client so
// that parsing a command line loads no object-store code; cli.ts imports options.ts only for s3://.

import { resolve } from 'node:path';
import type { Command } from 'commander';

export interface ObjectStoreFlags {
  endpointUrl?: string | undefined;
  caFile?: string | undefined;
}

export const addObjectStoreOptions = (program: Command): Command =>
  program
    .option('--endpoint-url <URL>', 'with an s3:// target: the S3 endpoint (default: AWS_ENDPOINT_URL, else AWS for AWS_REGION)')
    // Absolute from the start: the prefetch worker runs with cwd /, while restore_command's cwd is the data directory.
    .option('--ca-file <FILE>', 'with an s3:// target: trust this PEM CA bundle for the endpoint (TLS is always verified)', (file: string) => resolve(file));
