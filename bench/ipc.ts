import { fork } from 'child_process'

/**
 * The bench's child processes (the stand-in FullStory, and one process per destination measured)
 * are driven over Node's IPC channel: the parent sends `{id, command}`, the child answers
 * `{id, result}` or `{id, error}`. The child's first message (id 0) says it is ready.
 */

interface Reply {
  id: number
  result?: unknown
  error?: string
}

export interface Worker<Command> {
  pid: number
  /** What the child sent when it was ready. */
  ready: unknown
  call<T>(command: Command): Promise<T>
  /** Sends `{cmd: 'close'}` and waits for the process to exit. */
  close(): Promise<void>
}

/** Forks `script` (a TypeScript file, run through ts-node) and waits until it says it is ready. */
export async function forkWorker<Command extends { cmd: string }>(
  script: string,
  options: { env?: NodeJS.ProcessEnv; execArgv?: string[] } = {}
): Promise<Worker<Command>> {
  const child = fork(script, [], {
    execArgv: [...(options.execArgv ?? []), '-r', 'ts-node/register/transpile-only'],
    env: options.env ?? process.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  let nextId = 1
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  let exited = false
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = true
      for (const { reject } of pending.values()) reject(new Error(`${script} exited (${code}) before answering`))
      pending.clear()
      resolve()
    })
  )
  child.on('message', (reply: Reply) => {
    const waiting = pending.get(reply.id)
    pending.delete(reply.id)
    if (reply.error !== undefined) waiting?.reject(new Error(reply.error))
    else waiting?.resolve(reply.result)
  })
  const call = <T>(command: Command): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (exited) return reject(new Error(`${script} has exited`))
      const id = nextId++
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      child.send({ id, command })
    })
  const ready = await new Promise<unknown>((resolve, reject) => pending.set(0, { resolve, reject }))
  return {
    pid: child.pid as number,
    ready,
    call,
    close: async () => {
      if (!exited) await call({ cmd: 'close' } as Command).catch(() => undefined)
      await exit
    }
  }
}

/**
 * The child's side: answers each command with `handle`'s result (or its error's message), after
 * first reporting `ready`. `{cmd: 'close'}` is answered, then the process exits.
 */
export function serveParent<Command extends { cmd: string }>(
  ready: unknown,
  handle: (command: Command) => unknown,
  onClose: () => Promise<void> = async () => undefined
): void {
  const send = (reply: Reply) => process.send?.(reply)
  process.on('message', (message: { id: number; command: Command }) => {
    if (message.command.cmd === 'close') {
      send({ id: message.id, result: null })
      void onClose().finally(() => process.exit(0))
      return
    }
    Promise.resolve()
      .then(() => handle(message.command))
      .then(
        (result) => send({ id: message.id, result: result ?? null }),
        (error: Error) => send({ id: message.id, error: error?.stack ?? String(error) })
      )
  })
  send({ id: 0, result: ready })
}
