import { fork, type ChildProcess } from 'child_process'
import { join } from 'path'
import type { CapturedRequest, SimulatorCommand, SimulatorReply, SimulatorStats } from './simulator-protocol'

/** The parent's handle on bench/simulator-process.ts (the simulator in its own process). */
export interface SimulatorChild {
  /** The simulator, for `FULLSTORY_API_URL`. */
  url: string
  /** The capture server (answers 200 to everything and records the requests). */
  captureUrl: string
  pid: number
  /** Forgets users, events, jobs, Idempotency-Keys, the request log and the captured requests. */
  reset(): Promise<void>
  stats(): Promise<SimulatorStats>
  captured(): Promise<CapturedRequest[]>
  close(): Promise<void>
}

export async function startSimulatorChild(): Promise<SimulatorChild> {
  const child: ChildProcess = fork(join(__dirname, 'simulator-process.ts'), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  let nextId = 1
  const pending = new Map<number, (result: unknown) => void>()
  const ready = new Promise<{ url: string; captureUrl: string }>((resolve, reject) => {
    pending.set(0, (result) => resolve(result as { url: string; captureUrl: string }))
    child.once('exit', (code) => reject(new Error(`simulator process exited (${code})`)))
  })
  child.on('message', (reply: SimulatorReply) => {
    const done = pending.get(reply.id)
    pending.delete(reply.id)
    done?.(reply.result)
  })
  const send = (command: SimulatorCommand) =>
    new Promise<unknown>((resolve) => {
      const id = nextId++
      pending.set(id, resolve)
      child.send({ id, command })
    })

  const { url, captureUrl } = await ready
  return {
    url,
    captureUrl,
    pid: child.pid as number,
    reset: async () => {
      await send({ cmd: 'reset' })
    },
    stats: async () => (await send({ cmd: 'stats' })) as SimulatorStats,
    captured: async () => (await send({ cmd: 'captured' })) as CapturedRequest[],
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      await send({ cmd: 'close' })
      await exited
    }
  }
}
