import { spawn } from 'child_process'
import type { ChildProcess } from 'child_process'
import { readdirSync, readFileSync } from 'fs'
import { connect, createServer } from 'net'
import type { Server } from 'net'
import { join } from 'path'

// `npm start` as a process: it listens where PORT and HOST say (0: a port it reports), a signal sent
// to the npm process lets requests in flight finish, then stops the server (no orphan keeps the
// port), and a busy port (PORT or SIMULATOR_PORT) says which to set. Linux (/proc) only, as CI
// runs. Every wait is bounded.

const ROOT = join(__dirname, '..', '..')
// npm start compiles src/ and dev/ when they changed since its last build: seconds on a busy machine
jest.setTimeout(60_000)

interface Started {
  npm: ChildProcess
  output: () => string
  exited: Promise<number | null>
  /** The port it reported listening on. */
  port: () => number
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
  const port = () => Number(/listening on http:\/\/localhost:(\d+)/.exec(output)?.[1])
  return { npm, output: () => output, exited, port }
}

/** Waits (polling) until `condition` holds; fails after `timeoutMs`. */
async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** `promise`, or a failure naming `what` after `timeoutMs`. */
async function within<T>(promise: Promise<T>, what: string, timeoutMs = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** The status of `GET /` addressed to `host:port`, on a connection of its own. */
function statusOf(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () =>
      socket.write(`GET / HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: close\r\n\r\n`)
    )
    let received = ''
    socket.setEncoding('utf8').setTimeout(10_000, () => socket.destroy())
    socket.on('data', (chunk: string) => (received += chunk))
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0))).on('error', reject)
  })
}

/** The pids whose parent is `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc').flatMap((entry) => {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      return /^\d+$/.test(entry) && Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid
        ? [Number(entry)]
        : []
    } catch {
      return [] // the process ended meanwhile
    }
  })
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** A TCP server on `port` (0: any), to hold a port busy. */
async function holding(port = 0, host = '127.0.0.1'): Promise<Server & { port: number }> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(port, host, resolve))
  return Object.assign(server, { port: (server.address() as { port: number }).port })
}

describe('npm start', () => {
  let started: Started | undefined
  let pids: number[] = []
  afterEach(() => {
    // a failed test must not leave its server behind: stop what this test started, by its id
    if (started?.npm.pid && started.npm.exitCode === null) pids.push(started.npm.pid, ...childrenOf(started.npm.pid))
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL')
    started?.npm.stdout?.destroy()
    started?.npm.stderr?.destroy()
    started = undefined
    pids = []
  })

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s to the npm process: a request in flight is answered, then npm exits 0, no process is left, the port is free',
    async (signal) => {
      started = npmStart({ PORT: '0', HOST: '' })
      await waitFor(() => started!.port() > 0, 'npm start to listen')
      const base = `http://localhost:${started.port()}`
      // npm runs the script with `exec`: the server is npm's own child, no shell between
      pids = childrenOf(started.npm.pid!)
      expect(pids).toHaveLength(1)
      // a delivery that the simulator holds for 300 ms, under way when the signal comes
      await fetch(`${base}/simulator/faults`, {
        method: 'POST',
        body: JSON.stringify({ fault: 'latency=300', count: 1 })
      })
      const headers = { Authorization: `Basic ${Buffer.from('w:').toString('base64')}` }
      const inFlight = fetch(`${base}/v1/track`, { method: 'POST', headers, body: '{"userId":"u1","event":"Late"}' })
      const held = async () => (await (await fetch(`${base}/simulator/requests`)).json()).inFlight === 1
      await waitFor(held, 'the delivery to be under way')
      started.npm.kill(signal)
      const answer = await within(inFlight, 'the answer in flight')
      expect([answer.status, ((await answer.json()) as { outcome: string }).outcome]).toEqual([200, 'delivered'])
      expect(await within(started.exited, 'npm to exit')).toBe(0)
      await waitFor(() => !alive(pids[0]), 'the server process to end')
      await expect(statusOf('127.0.0.1', started.port())).rejects.toThrow('ECONNREFUSED')
    }
  )

  it('HOST is honoured: it listens there and answers requests addressed to it', async () => {
    started = npmStart({ PORT: '0', HOST: '127.0.0.2' })
    await waitFor(() => started!.port() > 0, 'npm start to listen')
    expect(started.output()).toContain('(HOST 127.0.0.2)')
    expect(await statusOf('127.0.0.2', started.port())).toBe(200)
    await expect(statusOf('127.0.0.1', started.port())).rejects.toThrow('ECONNREFUSED')
    started.npm.kill('SIGTERM')
    expect(await within(started.exited, 'npm to exit')).toBe(0)
  })

  it.each([
    ['PORT', {}],
    ['SIMULATOR_PORT', { PORT: '0' }]
  ])('a busy %s: it exits 1 at once and says to set it', async (name, env) => {
    const blocker = await holding()
    try {
      started = npmStart({ [name]: String(blocker.port), HOST: '', ...env })
      expect(await within(started.exited, 'npm start to fail')).toBe(1)
      expect(started.output()).toContain(`port ${blocker.port} is already in use`)
      expect(started.output()).toContain(`Set ${name} to a free one: ${name}=${blocker.port + 1} npm start`)
    } finally {
      await new Promise((resolve) => blocker.close(resolve))
    }
  })
})
