import { createServer } from 'http'
import type { AddressInfo } from 'net'

/**
 * The stand-in FullStory: every request is answered as FullStory answers a success (a batch job is
 * COMPLETED, without errors, at its first status poll) and counted by kind. A path that starts with
 * `/~<key>` is filed under that key, captured byte for byte, with job and user ids counted per key
 * (bench/gate.ts). `GET /~bench/take` answers the counts since the last take. Forked, it serves
 * in a process of its own and sends its URL.
 */

/** A request as received: its headers as [lower-case name, value], the connection's own left out. */
export type Captured = { method: string; path: string; headers: [string, string][]; body: Buffer }

const CONNECTION = ['host', 'connection', 'keep-alive']
const CREATED = '2024-05-01T12:00:00.000Z'

export async function startStandIn() {
  const rows = new Map<string, number>()
  const captured = new Map<string, Captured[]>()
  const serials = new Map<string, number>()
  const serial = (key: string) => String(1_000_000 + serials.set(key, (serials.get(key) ?? 0) + 1).get(key)!)
  let counts: Record<string, number> = {}

  const answer = (method: string, path: string, body: Buffer, key: string): unknown => {
    const [job, , id, errors] = /^\/v2\/(users|events)\/batch(?:\/([^/]+)(\/errors)?)?$/.exec(path) ?? []
    if (job && method === 'POST') {
      const created = `job-${serial(key)}`
      rows.set(`${key} ${created}`, (JSON.parse(body.toString('utf8')) as { requests: unknown[] }).requests.length)
      return { job: { id: created, status: 'PROCESSING', created: CREATED } }
    }
    if (errors) return { results: [], total_records: '0', next_page_token: '' }
    if (id) {
      const job = { id, status: 'COMPLETED', created: CREATED, finished: CREATED }
      return { imports: rows.get(`${key} ${id}`) ?? 0, errors: 0, job }
    }
    return method === 'POST' && path === '/v2/users' ? { id: serial(key) } : {}
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const method = req.method ?? 'GET'
      const [, key = '', target = '/'] = /^(?:\/~([^/]+))?(\/.*)$/.exec(req.url ?? '/') ?? []
      if (key === 'bench') return res.end(JSON.stringify({ counts: [counts, (counts = {})][0] }))
      const [body, path] = [Buffer.concat(chunks), target.split('?')[0]]
      const kind = `${method} ${path.replace(/(\/batch\/)[^/]+/, '$1{id}')}`
      counts[kind] = (counts[kind] ?? 0) + 1
      if (key) {
        const pairs = req.rawHeaders.flatMap((name, i) => (i % 2 ? [] : [[name.toLowerCase(), req.rawHeaders[i + 1]]]))
        const headers = pairs.filter(([name]) => !CONNECTION.includes(name)) as [string, string][]
        captured.set(key, [...(captured.get(key) ?? []), { method, path: target, headers, body }])
      }
      const text = JSON.stringify(answer(method, path, body, key))
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': text.length })
      res.end(text)
    })
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** The requests filed under `key`, forgotten here. */
    take(key: string): Captured[] {
      const list = captured.get(key) ?? []
      captured.delete(key)
      serials.delete(key)
      return list
    },
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())))
  }
}

if (require.main === module) {
  void startStandIn().then(({ url }) => process.send?.(url))
  process.on('disconnect', () => process.exit(0))
}
