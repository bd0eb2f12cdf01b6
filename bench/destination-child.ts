import { join } from 'path'
import type { DestinationCommand, Path, RunResult, Validation } from './destination-process'
import type { EventSet } from './events'
import { forkWorker } from './ipc'
import type { SideName, SideSpec } from './sides'

/** The parent's handle on a destination process (bench/destination-process.ts): one per destination measured. */
export interface DestinationChild {
  name: SideName
  pid: number
  hasBatchPath: boolean
  /** Events in each set (the process generates them itself, from the same seed as every other). */
  counts: Record<EventSet, number>
  /** Times `path` over the set, or over one chunk of it; `profile: n` then profiles n more runs. */
  run(set: EventSet, path: Path, options?: { chunk?: number; profile?: number }): Promise<RunResult>
  validate(set: EventSet, path: 'single' | 'batch', url: string): Promise<Validation>
  close(): Promise<void>
}

/** Starts a process running `side`, sending to `targetUrl` (the stand-in). */
export async function startDestinationChild(side: SideSpec, targetUrl: string): Promise<DestinationChild> {
  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_SIDE: JSON.stringify(side), BENCH_TARGET_URL: targetUrl }
  // Neither destination is slowed by a FullStory timeout shorter than its default.
  delete env.FULLSTORY_TIMEOUT_MS
  const worker = await forkWorker<DestinationCommand>(join(__dirname, 'destination-process.ts'), { env })
  const ready = worker.ready as { hasBatchPath: boolean; counts: Record<EventSet, number> }
  return {
    name: side.name,
    pid: worker.pid,
    hasBatchPath: ready.hasBatchPath,
    counts: ready.counts,
    run: (set, path, options = {}) => worker.call<RunResult>({ cmd: 'run', set, path, ...options }),
    validate: (set, path, url) => worker.call<Validation>({ cmd: 'validate', set, path, url }),
    close: () => worker.close()
  }
}
