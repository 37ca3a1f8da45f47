// Object-store credentials the way the AWS CLI and barman-cloud find them: AWS_ACCESS_KEY_ID /
// AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) first, else the shared credentials file
// (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials), section AWS_PROFILE (default "default").

import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseIni } from '../config/ini.js';
import { ObjectStoreConfigError } from '../errors.js';
import type { Credentials } from './sigv4.js';

export async function loadCredentials(env: NodeJS.ProcessEnv): Promise<Credentials> {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined };
  }
  const path = env.AWS_SHARED_CREDENTIALS_FILE || join(env.HOME || homedir(), '.aws', 'credentials');
  const profile = env.AWS_PROFILE || 'default';
  const text = await readFile(path, 'utf8').catch(() => undefined);
  const section = text === undefined ? undefined : parseIni(text, path).get(profile);
  const id = section?.get('aws_access_key_id');
  const secret = section?.get('aws_secret_access_key');
  if (!id || !secret) {
    throw new ObjectStoreConfigError(`no object-store credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set and ${path} has no profile [${profile}] with aws_access_key_id and aws_secret_access_key`, {
      hint: 'export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment of archive_command/restore_command, or write them to ~/.aws/credentials of the PostgreSQL user',
    });
  }
  return { accessKeyId: id, secretAccessKey: secret, sessionToken: section?.get('aws_session_token') || undefined };
}
