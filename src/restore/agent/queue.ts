// The restore agent's queue (design §3.1, §3.2): follows the cursor (newest served/ marker), drops
// what PostgreSQL can no longer want, plans names with get-wal --peek and keeps up to `slots`
// segments ready or in flight with at most JOBS fetches at once, refilling as each is served.
// Every change on disk or fetch completion runs one `tick`, never two at a time.

import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { INFLIGHT_DIR, READY_DIR, WAL_DIR } from '../../agent/layout.js';
import { slotDirPath, type Slot } from '../../agent/slot.js';
import { clearStatus, writeStatus } from '../../agent/status-file.js';
import type { Transport } from '../../transport/transport.js';
import { parseWalName, type WalName } from '../../wal/name.js';
import { peekNames } from '../prefetch/plan.js';
import type { PrefetchOptions } from '../prefetch/job.js';
import { startFetch, type FetchOutcome, type RunningFetch } from './fetch-one.js';
import { pruneMarkers, readMarkerView, removeMarker, writeMarker } from './markers.js';
import { isAfter } from './position.js';
import { publishFetched } from './publish.js';
import { isWanted, nextFetches, queueSlots, type MarkerView } from './rules.js';
import { freeBytes, hasRoomFor, pausedMessage } from './space-guard.js';

export interface QueueConfig {
  slot: Slot;
  transport: Transport;
  options: PrefetchOptions;
  queueMax: number;
  sysid: bigint;
  log(line: string): void;
  /** A marker changed (activity for the idle timer); begin() marks a fetch as running. */
  activity(): void;
  begin(): () => void;
}

/** Until the first header tells the segment size, plan with PostgreSQL's default. */
const ASSUMED_SEGMENT_SIZE = 16 * 1024 * 1024;
/** Re-peek at the end of the archive (a standby waits for new WAL) at most this often. */
const PEEK_AGAIN_MS = 2_000;
const BACKOFF_MS = 5_000;

export class RestoreQueue {
  private readonly inflight = new Map<string, RunningFetch>();
  private planned: WalName[] = [];
  private nextPeekAt = 0;
  private segmentSize: number | undefined;
  private cursorName: string | undefined;
  private paused = false;
  private shrunkUntil = 0;
  private retryAt = new Map<string, number>();
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private idleLoggedAt: string | undefined;

  constructor(private readonly config: QueueConfig) {}

  /** Runs a tick now, or right after the one running (events arriving meanwhile fold into it). */
  poke(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.tick()
      .catch((error: unknown) => this.config.log(`tick failed: ${(error as Error).message}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  /** Aborts every fetch and waits for them: nothing is published after this resolves. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const fetch of this.inflight.values()) fetch.abort();
    await this.running;
    await Promise.all([...this.inflight.values()].map((fetch) => fetch.done));
  }

  private async tick(): Promise<void> {
    const { slot, log } = this.config;
    const view = readMarkerView(slot);
    if (view.cursor !== undefined && view.cursor.name !== this.cursorName) {
      this.cursorName = view.cursor.name;
      this.config.activity();
      pruneMarkers(slot, view.cursor);
    }
    this.drop(view);
    if (view.cursor === undefined || this.stopped) return;
    const slots = Date.now() < this.shrunkUntil ? 1 : queueSlots(this.config.queueMax, this.segmentSize ?? ASSUMED_SEGMENT_SIZE, this.config.options.jobs);
    await this.plan(view.cursor, view, slots);
    const ready = new Set(this.readyNames());
    const now = Date.now();
    const starts = nextFetches({ ready, inflight: new Set(this.inflight.keys()), planned: this.planned, slots, jobs: this.config.options.jobs }, view)
      .filter((wal) => (this.retryAt.get(wal.name) ?? 0) <= now);
    for (const wal of starts) {
      if (!(await this.roomForOneMore())) break;
      this.start(wal);
    }
    // Said once per cursor: the timer ticks ten times a second, and a standby at the archive's end waits there for hours.
    const idleAt = starts.length === 0 && this.planned.length === 0 ? view.cursor.name : undefined;
    if (idleAt !== undefined && idleAt !== this.idleLoggedAt) log(`nothing to fetch after ${idleAt}`);
    this.idleLoggedAt = idleAt;
  }

  /** Aborts in-flight fetches and deletes ready/ entries that PostgreSQL can no longer ask for. */
  private drop(view: MarkerView): void {
    for (const fetch of this.inflight.values()) {
      if (!fetch.aborted && !isWanted(fetch.wal, view)) {
        fetch.abort();
        this.config.log(`aborted fetch of ${fetch.wal.name}: asked, served or passed`);
      }
    }
    for (const name of this.readyNames()) {
      const wal = parseWalName(name);
      if (wal !== undefined && isWanted(wal, view)) continue;
      try {
        unlinkSync(join(slotDirPath(this.config.slot, READY_DIR), name));
        this.config.log(`dropped ready/${name}: no longer wanted`);
      } catch {
        // claimed meanwhile
      }
    }
    this.planned = this.planned.filter((wal) => isWanted(wal, view) || this.inflight.has(wal.name));
  }

  /** One get-wal --peek per refill: 2×slots names from the cursor on, when fewer than slots are known. */
  private async plan(cursor: WalName, view: MarkerView, slots: number): Promise<void> {
    const known = this.planned.filter((wal) => isWanted(wal, view)).length;
    if (known >= slots || Date.now() < this.nextPeekAt) return;
    const count = 2 * slots + 1;
    const names = await peekNames(this.config.transport, this.config.options, cursor, count);
    const peeked = names.map((name) => parseWalName(name)).filter((wal): wal is WalName => wal !== undefined && wal.timeline === cursor.timeline && isAfter(wal, cursor));
    this.planned = peeked;
    this.nextPeekAt = names.length < count ? Date.now() + PEEK_AGAIN_MS : 0;
    this.config.log(`after ${cursor.name}: peeked ${peeked.length} (${peeked[0]?.name ?? '-'} .. ${peeked.at(-1)?.name ?? '-'})`);
    if (names.length < count) setTimeout(() => this.poke(), PEEK_AGAIN_MS).unref();
  }

  private readyNames(): string[] {
    try {
      return readdirSync(slotDirPath(this.config.slot, READY_DIR)).filter((name) => parseWalName(name)?.kind === 'segment');
    } catch {
      return [];
    }
  }

  /** The free-space guard, with global.error while paused. */
  private async roomForOneMore(): Promise<boolean> {
    // pg_wal's room is PostgreSQL's; ready/'s is the spool's (the same filesystem unless mounted apart).
    const free = Math.min(await freeBytes(join(this.config.slot.dataDir, WAL_DIR)), await freeBytes(slotDirPath(this.config.slot, READY_DIR)));
    const room = hasRoomFor(free, this.segmentSize ?? ASSUMED_SEGMENT_SIZE, this.inflight.size);
    if (room === !this.paused) return room; // no change of state
    this.paused = !room;
    if (room) {
      await clearStatus(this.config.slot.dir, 'global');
      this.config.log('spool resumed');
    } else {
      await writeStatus(this.config.slot.dir, 'global', { code: 0, message: pausedMessage(free) });
      this.config.log(pausedMessage(free));
      setTimeout(() => this.poke(), BACKOFF_MS).unref();
    }
    return room;
  }

  private start(wal: WalName): void {
    writeMarker(this.config.slot, INFLIGHT_DIR, wal.name);
    const fetch = startFetch(this.config.transport, this.config.options, this.config.slot, wal);
    this.inflight.set(wal.name, fetch);
    const end = this.config.begin();
    void fetch.done
      .then((outcome) => this.finish(fetch, outcome))
      .catch((error: unknown) => this.config.log(`after fetch of ${wal.name}: ${(error as Error).message}`))
      .finally(() => {
        this.inflight.delete(wal.name);
        end();
        this.poke();
      });
  }

  private async finish(fetch: RunningFetch, outcome: FetchOutcome): Promise<void> {
    const { slot, log } = this.config;
    const name = fetch.wal.name;
    if (outcome.kind !== 'fetched') {
      removeMarker(slot, INFLIGHT_DIR, name);
      if (fetch.aborted) return;
      this.retryAt.set(name, Date.now() + BACKOFF_MS);
      if (outcome.kind === 'missing') log(`fetch of ${name}: not in the archive`);
      else log(`fetch of ${name} failed: ${outcome.message}`);
      if (outcome.kind === 'failed' && outcome.noSpace) this.shrink();
      return;
    }
    this.segmentSize ??= outcome.header.segmentSize;
    const refusal = await publishFetched({ slot, wal: fetch.wal, temp: outcome.temp, isAborted: () => fetch.aborted || this.stopped, segmentSize: this.segmentSize, sysid: this.config.sysid });
    log(refusal === undefined ? `ready ${name}` : `discarded ${name}: ${refusal}`);
    // A copy the gate refused (another cluster's, a bad header) is what the archive holds: fetching
    // it again at once would repeat the GET on every tick, so it waits like a failed fetch.
    if (refusal !== undefined && !fetch.aborted) this.retryAt.set(name, Date.now() + BACKOFF_MS);
  }

  /** ENOSPC: the temp is gone already (writeTempFile); keep one segment for a while. */
  private shrink(): void {
    this.shrunkUntil = Date.now() + 6 * BACKOFF_MS;
    this.paused = true; // the next guard that finds room clears global.error
    this.config.log('no space left on pg_wal: queue shrunk to one segment');
    void writeStatus(this.config.slot.dir, 'global', { code: 0, message: 'spool paused: no space left on pg_wal' }).catch(() => undefined);
    setTimeout(() => this.poke(), BACKOFF_MS).unref();
  }
}
