import { join } from 'path'
import { forkWorker } from './ipc'
import type { CapturedRequest, SimulatorCommand, SimulatorStats } from './simulator-protocol'

/** The parent's handle on bench/simulator-process.ts (the strict simulator and the stand-in, in their own process). */
export interface SimulatorChild {
  /** The strict simulator (dev/simulator), for `FULLSTORY_API_URL`. */
  url: string
  /** The stand-in: answers every request as FullStory answers a success (bench/stand-in.ts). */
  standInUrl: string
  pid: number
  /** Forgets the simulator's users, events, jobs, keys and log, and the stand-in's counts; `capture` keeps requests. */
  reset(capture?: boolean): Promise<void>
  stats(): Promise<SimulatorStats>
  captured(): Promise<CapturedRequest[]>
  close(): Promise<void>
}

export async function startSimulatorChild(): Promise<SimulatorChild> {
  const worker = await forkWorker<SimulatorCommand>(join(__dirname, 'simulator-process.ts'))
  const { url, standInUrl } = worker.ready as { url: string; standInUrl: string }
  return {
    url,
    standInUrl,
    pid: worker.pid,
    reset: async (capture = false) => {
      await worker.call({ cmd: 'reset', capture })
    },
    stats: () => worker.call<SimulatorStats>({ cmd: 'stats' }),
    captured: () => worker.call<CapturedRequest[]>({ cmd: 'captured' }),
    close: () => worker.close()
  }
}
