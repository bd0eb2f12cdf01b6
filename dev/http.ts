import { createServer } from 'http'
import type { IncomingMessage, Server, ServerResponse } from 'http'
import type { AddressInfo } from 'net'
import type { Readable } from 'stream'
import { createGunzip, createInflate } from 'zlib'

/** The HTTP plumbing the simulator and the local server share (both on node:http). */

/** An error answered with its status: `{code, message}` by the simulator, `{error: {code, message}}` by the server. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
  }
}

/** The one wait of dev/ (retries, injected latency); it does not keep a closed process alive. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref())

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers
  })
  res.end(text)
}

export interface BodyLimits {
  /** Bytes, counted after decompression. */
  limit: number
  tooLargeStatus?: number
  /** Inflate `Content-Encoding: gzip` and `deflate` (else the encoding is not looked at). */
  inflate?: boolean
  /** Refuse 408 a body that has not arrived this long after the headers. */
  timeoutMs?: number
}

/** The whole body. Over the limit, the rest is read and dropped, then 413 (or `tooLargeStatus`). */
export function readBody(req: IncomingMessage, options: BodyLimits): Promise<Buffer> {
  const { limit, tooLargeStatus = 413, inflate = false, timeoutMs } = options
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let failure: HttpError | undefined
    let source: Readable = req
    let timer: NodeJS.Timeout | undefined
    const done = () => {
      clearTimeout(timer)
      if (failure) reject(failure)
      else resolve(Buffer.concat(chunks))
    }
    /** Ends with `error` once the request has been read to its end (`now`: at once). */
    const fail = (error: HttpError, now = false) => {
      failure ??= error
      if (source !== req) source.destroy()
      if (now || req.complete) done()
      else req.resume()
    }
    const encoding = inflate ? (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase() : 'identity'
    if (encoding === 'gzip') source = req.pipe(createGunzip())
    else if (encoding === 'deflate') source = req.pipe(createInflate())
    else if (encoding !== 'identity') {
      fail(new HttpError(415, 'unsupported_encoding', 'Send the body plain, or with Content-Encoding gzip or deflate.'))
    }
    if (timeoutMs !== undefined) {
      const message = `The request body did not arrive within ${timeoutMs / 1000} seconds.`
      timer = setTimeout(() => fail(new HttpError(408, 'request_timeout', message), true), timeoutMs)
    }
    source.on('data', (chunk: Buffer) => {
      if (failure) return
      size += chunk.length
      if (size <= limit) return void chunks.push(chunk)
      const message = `The request body is larger than the limit of ${limit} bytes (counted after decompression).`
      fail(new HttpError(tooLargeStatus, 'payload_too_large', message))
    })
    source.on('error', () => fail(new HttpError(400, 'unreadable_body', 'The body is not valid gzip or deflate.')))
    source.on('end', () => source === req || done())
    req.on('end', () => (source === req || failure) && done())
    req.on('close', () => {
      if (!req.complete) fail(new HttpError(400, 'request_aborted', 'The client left before the body ended.'), true)
    })
  })
}

export interface Listening {
  server: Server
  port: number
  /** Stops taking requests, lets those in flight finish (at most `graceMs`), then closes every connection. */
  stop(graceMs?: number): Promise<void>
}

/**
 * An HTTP server for `handle`, listening on `port` (0: any free one), or `server` when given
 * already listening (npm start binds its ports before loading the rest). A handler that fails is
 * answered 500 (`failed`); connections are closed as soon as their requests are answered once
 * `stop` is called.
 */
export async function serve(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  where: { port?: number; host: string; server?: Server },
  failed: (error: Error) => unknown
): Promise<Listening> {
  const server = where.server ?? createServer()
  let stopping = false
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    res.on('finish', () => stopping && setImmediate(() => server.closeIdleConnections()))
    handle(req, res).catch((error: Error) => (res.headersSent ? res.destroy() : sendJson(res, 500, failed(error))))
  })
  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject).listen(where.port ?? 0, where.host, () => resolve(void server.off('error', reject)))
    })
  }
  return {
    server,
    port: (server.address() as AddressInfo).port,
    stop: (graceMs = 0) =>
      new Promise<void>((resolve) => {
        stopping = true
        server.close(() => resolve())
        server.closeIdleConnections()
        setTimeout(() => server.closeAllConnections(), graceMs).unref()
      })
  }
}

/** `{path, query}` of a request in origin form (`/path?query`); undefined for another form (`http://...`, `*`). */
export function target(req: IncomingMessage): { path: string; query: URLSearchParams } | undefined {
  const url = req.url ?? ''
  if (!url.startsWith('/')) return undefined
  const q = url.indexOf('?')
  return q < 0
    ? { path: url, query: new URLSearchParams() }
    : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) }
}
