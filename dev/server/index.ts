import { createServer, type Server } from 'http'
import type { AddressInfo } from 'net'
import definition from '../../src'
import { DEFAULT_HOST, DEFAULT_PORT, DEV_API_KEY } from '../constants'
import type { Simulator, SimulatorOptions } from '../simulator'
import { BODY_TIMEOUT_MS } from './access-log'
import { createApp } from './app'
import { allowedHosts } from './guards'
import { createLogger, type LogSink } from './log'
import { Runtime } from './runtime'
import { openTarget, type Target } from './target'
import { Deliverer } from './tracking/delivery'
import { destinationNames } from './tracking/integrations'
import { DEFAULT_RETRY, type RetryPolicy } from './tracking/retry'
import { Receipts } from './tracking/timestamps'

/**
 * The local server behind `npm start`: the destination over HTTP, on express. Segment's HTTP
 * Tracking API (tracking/), the routes of the CLI's `serve` (serve/), the simulator's read routes;
 * `GET /` lists them. See dev/README.md.
 *
 *   const server = await startServer({ port: 0, fullstoryUrl: sim.url, log: (line) => lines.push(line) })
 */
export interface ServerOptions {
  /** Default 3000; 0 picks a free port. */
  port?: number
  /** Default 127.0.0.1 (loopback only). Requests must be addressed to a loopback name or to this. */
  host?: string
  /** The FullStory API key to deliver with. */
  apiKey?: string
  /** Where FullStory's API is (a simulator or a proxy). */
  fullstoryUrl?: string
  /** When set, /v1 routes require exactly this write key; otherwise any non-empty one. */
  writeKey?: string
  /** Where the log lines go (default: console.log). */
  log?: LogSink
  /** Options of the simulator the server starts when it delivers to one of its own. */
  simulator?: SimulatorOptions
  /** How the tracking routes retry a retryable delivery failure (default: 3 attempts, 100 ms then 400 ms apart). */
  retry?: Partial<RetryPolicy>
  /** How long a client may take to send a request body before it is answered 408 (default 30 s). */
  bodyTimeoutMs?: number
}

export interface RunningServer {
  url: string
  port: number
  /** The FullStory API base URL deliveries go to. */
  deliveryUrl: string
  target: Target['kind']
  /** The simulator the server started, if it did. */
  simulator?: Simulator
  /** Every route, as `GET /` lists them (`POST /v1/track`...). */
  routes: string[]
  close(): Promise<void>
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST
  const target = await openTarget(options)
  // the dev key is public (it is printed in examples); every other key is a secret
  const runtime = new Runtime(target.apiKey, [
    target.apiKey === DEV_API_KEY ? undefined : target.apiKey,
    options.writeKey
  ])
  const log = createLogger(options.log ?? ((line) => console.log(line)), runtime.secrets())
  const retry = { ...DEFAULT_RETRY, ...options.retry }
  let hosts = new Set<string>()
  const { app, routes } = createApp({
    runtime,
    target,
    log,
    tracking: {
      deliverer: new Deliverer(runtime, retry, log),
      receipts: new Receipts(),
      log,
      names: destinationNames(definition),
      writeKey: options.writeKey
    },
    allowedHosts: () => hosts,
    bodyTimeoutMs: options.bodyTimeoutMs ?? BODY_TIMEOUT_MS
  })

  const server = createServer(app)
  try {
    await listen(server, options.port ?? DEFAULT_PORT, host)
  } catch (error) {
    await target.release()
    throw error
  }
  const { port } = server.address() as AddressInfo
  hosts = allowedHosts(host, port)
  const urlHost = host.includes(':') ? `[${host}]` : host

  return {
    url: `http://${urlHost}:${port}`,
    port,
    deliveryUrl: target.url,
    target: target.kind,
    simulator: target.simulator,
    routes: routes.list(),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      await target.release()
    }
  }
}
