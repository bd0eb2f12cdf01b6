import { createServer, type IncomingMessage, type Server } from 'http'
import type { AddressInfo } from 'net'
import { startSimulator } from '../dev/simulator'
import type { CapturedRequest, SimulatorCommand, SimulatorReply, SimulatorStats } from './simulator-protocol'

/**
 * The bench's second process: the FullStory simulator, plus a capture server that records the exact
 * requests it receives (so the ceiling phase can replay the destination's own bodies). Running them
 * here keeps their CPU out of the process being measured: on a 2-core machine the destination gets
 * one core and this process the other. Driven over IPC by bench/simulator-child.ts.
 */

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function startCaptureServer(captured: CapturedRequest[]): Promise<Server> {
  const server = createServer((req, res) => {
    readBody(req)
      .then((body) => {
        const key = req.headers['idempotency-key']
        captured.push({
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          idempotencyKey: typeof key === 'string' ? key : undefined,
          body
        })
        const answer = req.url?.startsWith('/v2/users') ? '{"id":"captured"}' : '{}'
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(answer) })
        res.end(answer)
      })
      .catch(() => res.destroy())
  })
  server.keepAliveTimeout = 30_000
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

async function main(): Promise<void> {
  const sim = await startSimulator({ port: 0 })
  const captured: CapturedRequest[] = []
  const capture = await startCaptureServer(captured)
  const captureUrl = `http://127.0.0.1:${(capture.address() as AddressInfo).port}`
  let cpuMark = process.cpuUsage()

  const stats = (): SimulatorStats => {
    const byStatus: Record<string, number> = {}
    const records = sim.requests()
    for (const record of records) byStatus[String(record.status)] = (byStatus[String(record.status)] ?? 0) + 1
    const cpu = process.cpuUsage(cpuMark)
    return {
      requests: records.length,
      byStatus,
      replayed: records.filter((r) => r.replayed).length,
      users: sim.users().length,
      events: sim.events().length,
      jobs: sim.jobs().length,
      cpuMicros: cpu.user + cpu.system
    }
  }

  const handle = (command: SimulatorCommand): unknown => {
    switch (command.cmd) {
      case 'reset':
        sim.reset()
        captured.length = 0
        cpuMark = process.cpuUsage()
        return null
      case 'stats':
        return stats()
      case 'captured':
        return captured.slice()
      case 'close':
        setImmediate(() => {
          capture.close()
          void sim.close().then(() => process.exit(0))
        })
        return null
    }
  }

  process.on('message', (message: { id: number; command: SimulatorCommand }) => {
    const reply: SimulatorReply = { id: message.id, result: handle(message.command) }
    process.send?.(reply)
  })
  process.send?.({ id: 0, result: { url: sim.url, captureUrl } } satisfies SimulatorReply)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
