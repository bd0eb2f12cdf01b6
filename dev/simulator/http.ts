import type { IncomingMessage, ServerResponse } from 'http'
import { ApiError } from './errors'

/** Small HTTP helpers shared by the simulator's routes. */

/** Reads the whole body; over `maxBytes` it drains the rest and throws 413. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) tooLarge = true
      else chunks.push(chunk)
    })
    req.on('end', () => {
      if (tooLarge) {
        reject(new ApiError(413, 'payload_too_large', `the request body is larger than ${maxBytes} bytes`))
      } else {
        resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8'))
      }
    })
    req.on('error', reject)
  })
}

/** Splits `/path?query` without the cost of a full URL parse. */
export function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const q = url.indexOf('?')
  return q < 0
    ? { path: url, query: new URLSearchParams() }
    : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) }
}

export function sendJson(res: ServerResponse, status: number, body: string, headers?: Record<string, string>): void {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...headers
  })
  res.end(body)
}

export function errorJson(code: string, message: string): string {
  return JSON.stringify({ code, message })
}

export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false
  const semi = header.indexOf(';')
  return (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase() === 'application/json'
}

/** An injected delay; its timer does not keep the process alive once the server is closed. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref())
