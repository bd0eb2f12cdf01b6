import { spawn, type ChildProcess } from 'child_process'
import { readdirSync, readFileSync } from 'fs'
import { connect, createServer, type Server } from 'net'
import { join } from 'path'

// `npm start` as a process: it listens where PORT and HOST say, a signal sent to the npm process
// stops the server (no orphan keeps the port), and a busy port says to set PORT. Linux (/proc) only,
// as CI runs. Every wait is bounded.

const ROOT = join(__dirname, '..', '..')

// starting ts-node takes seconds, many on a busy machine
jest.setTimeout(120_000)

/** A port nothing listens on now. */
async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

interface Started {
  npm: ChildProcess
  /** The processes under npm once it listens (the server), so that a test can end them if they outlive npm. */
  pids: number[]
  output: () => string
  exited: Promise<number | null>
}

function npmStart(env: Record<string, string>): Started {
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    // npm's update check would outlive the test (and ask the registry)
    env: { ...process.env, FULLSTORY_API_KEY: '', FULLSTORY_API_URL: '', npm_config_update_notifier: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  npm.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  npm.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)))
  return { npm, pids: [], output: () => output, exited }
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The status of `GET /` addressed to `host:port`, on a connection of its own that is closed after. */
function statusOf(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () =>
      socket.write(`GET / HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: close\r\n\r\n`)
    )
    let received = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (received += chunk))
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0)))
    socket.on('error', reject)
    socket.setTimeout(10_000, () => socket.destroy())
  })
}

/** `promise`, or a failure naming `what` after `timeoutMs`. */
async function within<T>(promise: Promise<T>, what: string, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** The pids whose parent is `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  const children: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === pid) children.push(Number(entry))
    } catch {
      // the process ended meanwhile
    }
  }
  return children
}

/** Children, grandchildren... of `pid`. */
function descendantsOf(pid: number): number[] {
  return childrenOf(pid).flatMap((child) => [child, ...descendantsOf(child)])
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  const probe: Server = createServer()
  return new Promise((resolve) => {
    probe.once('error', () => resolve(false))
    probe.listen(port, host, () => probe.close(() => resolve(true)))
  })
}

describe('npm start', () => {
  let started: Started | undefined
  afterEach(async () => {
    // a failed test must not leave its server behind: stop what this test started, by its id
    if (started && started.npm.exitCode === null && started.npm.pid) {
      started.pids.push(...descendantsOf(started.npm.pid))
      started.npm.kill('SIGKILL')
    }
    for (const pid of started?.pids ?? []) if (alive(pid)) process.kill(pid, 'SIGKILL')
    started?.npm.stdout?.destroy()
    started?.npm.stderr?.destroy()
    started = undefined
  })

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s to the npm process stops the server: npm exits, no process is left, the port is free',
    async (signal) => {
      const port = await freePort()
      started = npmStart({ PORT: String(port), HOST: '' })
      await waitFor(() => started!.output().includes('listening on'), 'npm start to listen')
      expect(started.output()).toContain(`listening on http://localhost:${port}`)
      expect(await statusOf('127.0.0.1', port)).toBe(200)
      started.pids = descendantsOf(started.npm.pid!)
      // npm runs the script with `exec`: the server is npm's own child, no shell between
      const server = childrenOf(started.npm.pid!)
      expect(server).toHaveLength(1)
      expect(started.pids).toEqual(server)

      started.npm.kill(signal)
      await within(started.exited, 'npm to exit', 15_000)
      await waitFor(() => !alive(server[0]), 'the server process to end', 15_000)
      expect(await portIsFree(port)).toBe(true)
    }
  )

  it('HOST is honoured: it listens there and answers requests addressed to it', async () => {
    const port = await freePort('127.0.0.2')
    started = npmStart({ PORT: String(port), HOST: '127.0.0.2' })
    await waitFor(() => started!.output().includes('listening on'), 'npm start to listen')
    expect(started.output()).toContain('(HOST 127.0.0.2)')
    expect(await statusOf('127.0.0.2', port)).toBe(200)
    expect(await portIsFree(port, '127.0.0.1')).toBe(true)
    started.npm.kill('SIGTERM')
    await within(started.exited, 'npm to exit', 15_000)
  })

  it('a busy port: it exits 1 and says to set PORT', async () => {
    const blocker = createServer()
    const port = await freePort()
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve))
    try {
      started = npmStart({ PORT: String(port), HOST: '' })
      const code = await within(started.exited, 'npm start to fail', 60_000)
      expect(code).toBe(1)
      expect(started.output()).toContain(`port ${port} is already in use`)
      expect(started.output()).toContain(`Set PORT to a free one: PORT=${port + 1} npm start`)
    } finally {
      await new Promise((resolve) => blocker.close(resolve))
    }
  })
})
