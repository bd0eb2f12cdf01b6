/** Messages between the bench (bench/simulator-child.ts) and its FullStory process (bench/simulator-process.ts). */

export type SimulatorCommand =
  | { cmd: 'reset'; capture?: boolean }
  | { cmd: 'stats' }
  | { cmd: 'captured' }
  | { cmd: 'close' }

/** One request as the stand-in received it, byte for byte (headers that differ per run left out). */
export interface CapturedRequest {
  method: string
  /** Path and query. */
  path: string
  /** Header names in lower case. */
  headers: Record<string, string>
  body: string
}

/** What the stand-in answered since its last reset (it answers every request 200). */
export interface StandInStats {
  requests: number
  /** Requests by `METHOD /path`. */
  byPath: Record<string, number>
  bodyBytes: number
}

/** What the strict simulator saw since its last reset. */
export interface StrictStats {
  /** API requests answered (the simulator's request log). */
  requests: number
  byStatus: Record<string, number>
  /** Answers that were idempotent replays. */
  replayed: number
}

export interface SimulatorStats {
  standIn: StandInStats
  strict: StrictStats
  /** CPU time the process (stand-in and simulator) spent since the reset, in microseconds. */
  cpuMicros: number
}
