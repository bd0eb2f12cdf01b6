import { createServer, request as forward } from 'http'
import type { IncomingHttpHeaders, Server } from 'http'
import type { AddressInfo } from 'net'

/**
 * A recording relay on 127.0.0.1 between the destination and the FullStory simulator: every request
 * is passed on byte for byte and its method, path, headers and exact body are kept, so that the
 * end-to-end suites can check the bytes FullStory receives (and the Idempotency-Key derived from
 * them) against their own expectations. A connection the simulator drops without answering is
 * dropped towards the destination too, so faults such as `drop-after` look the same through it.
 */

export interface WireRequest {
  method: string
  /** The path with its query string, as sent. */
  path: string
  /** Header names in lower case, as Node reads them. */
  headers: IncomingHttpHeaders
  /** The request body as sent (UTF-8 text). */
  body: string
  /** The simulator's status, or `dropped` when it closed the connection without an answer. */
  status: number | 'dropped'
  /** The simulator's answer body (empty when dropped). */
  answer: string
}

export interface Wire {
  url: string
  /** Requests in the order they arrived, each recorded once the simulator has answered (or dropped) it. */
  requests(): WireRequest[]
  reset(): void
  close(): Promise<void>
}

export async function startWire(target: string): Promise<Wire> {
  const upstream = new URL(target)
  let records: { seq: number; request: WireRequest }[] = []
  let seq = 0

  const server: Server = createServer((req, res) => {
    const order = seq++
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      let recorded = false
      const record = (status: WireRequest['status'], answer = '') => {
        if (recorded) return
        recorded = true
        records.push({
          seq: order,
          request: {
            method: req.method ?? 'GET',
            path: req.url ?? '/',
            headers: req.headers,
            body: body.toString('utf8'),
            status,
            answer
          }
        })
      }
      const outgoing = forward(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host }
        },
        (response) => {
          const answerChunks: Buffer[] = []
          response.on('data', (chunk: Buffer) => answerChunks.push(chunk))
          response.on('end', () => {
            const answerBody = Buffer.concat(answerChunks)
            record(response.statusCode ?? 0, answerBody.toString('utf8'))
            res.on('error', () => undefined)
            res.writeHead(response.statusCode ?? 502, response.headers)
            res.end(answerBody)
          })
          response.on('error', () => {
            record('dropped')
            req.socket.destroy()
          })
        }
      )
      outgoing.on('error', () => {
        // the simulator closed the connection without answering: do the same to the destination
        record('dropped')
        req.socket.destroy()
      })
      outgoing.end(body)
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => records.sort((a, b) => a.seq - b.seq).map((r) => r.request),
    reset() {
      records = []
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
  }
}
