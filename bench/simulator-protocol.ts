/** Messages between the bench (bench/simulator-child.ts) and its simulator process (bench/simulator-process.ts). */

export type SimulatorCommand = { cmd: 'reset' } | { cmd: 'stats' } | { cmd: 'captured' } | { cmd: 'close' }

export interface SimulatorReply {
  id: number
  result: unknown
}

/** One request as the capture server received it, byte for byte. */
export interface CapturedRequest {
  method: string
  path: string
  idempotencyKey?: string
  body: string
}

/** What the simulator saw since its last reset. */
export interface SimulatorStats {
  /** API requests answered (the simulator's request log). */
  requests: number
  byStatus: Record<string, number>
  /** Answers that were idempotent replays. */
  replayed: number
  users: number
  events: number
  jobs: number
  /** CPU time the simulator process spent since the reset, in microseconds. */
  cpuMicros: number
}
