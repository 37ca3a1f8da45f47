// The floors: what a plain local copy costs, with and without fsync (no ssh, no checks).

import { join } from 'node:path';
import { emptyDir } from './archive-dirs.js';
import { shq } from './context.js';
import type { ToolContext } from './context.js';
import type { Tool } from './types.js';

export function floorArchiveTools(ctx: ToolContext): Tool[] {
  const dest = (f: string): string => shq(join(ctx.floorDir, f));
  const reset = (): Promise<void> => emptyDir(ctx.floorDir);
  return [
    { id: 'dd', label: 'floor: dd conv=fsync', family: 'floor', async: false, command: () => `dd if=%p of=${dest('%f')} bs=1M conv=fsync status=none`, reset },
    { id: 'cp', label: 'floor: cp', family: 'floor', async: false, command: () => `cp %p ${dest('%f')}`, reset },
  ];
}

/** The restore floors read the staging dir, which holds every archived segment. */
export function floorRestoreTools(staging: string): Tool[] {
  const src = shq(join(staging, '%f'));
  const reset = async (): Promise<void> => {};
  return [
    { id: 'cp', label: 'floor: cp', family: 'floor', async: false, command: () => `cp ${src} %p`, reset },
    { id: 'dd', label: 'floor: dd conv=fsync', family: 'floor', async: false, command: () => `dd if=${src} of=%p bs=1M conv=fsync status=none`, reset },
  ];
}
