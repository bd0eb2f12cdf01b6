import type { IncomingMessage, ServerResponse } from 'http'

/** HTTP plumbing of the local server: bodies with a size limit, JSON answers, `{error: {code, message}}`. */

/** A 4xx/5xx answer of the local server. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers?: Record<string, string>
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } }
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers?: Record<string, string>): void {
  const body = JSON.stringify(value)
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...headers
  })
  res.end(body)
}

export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, errorBody(error.code, error.message), error.headers)
}

/** Reads and discards the body, so that the connection stays usable. */
function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    req.on('end', resolve)
    req.on('error', () => resolve())
    req.resume()
  })
}

function readRaw(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'])
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = declared > maxBytes
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) tooLarge = true
      if (!tooLarge) chunks.push(chunk)
    })
    req.on('end', () => {
      if (tooLarge) {
        reject(
          new HttpError(413, 'payload_too_large', `The request body is larger than the limit of ${maxBytes} bytes.`)
        )
      } else resolve(Buffer.concat(chunks).toString('utf8'))
    })
    req.on('error', reject)
  })
}

/**
 * The deepest nesting of arrays and objects the server accepts. actions-core's mapping walks values
 * recursively and runs out of stack a few thousand levels down (a 32 KB message can nest 16,000),
 * which would answer bad input with a 500; no real event comes near this bound.
 */
export const MAX_JSON_DEPTH = 1000

/** True when `value` nests arrays and objects deeper than `limit` (counted without recursion). */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]]
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number]
    if (typeof current !== 'object' || current === null) continue
    if (depth + 1 > limit) return true
    for (const child of Array.isArray(current) ? current : Object.values(current)) stack.push([child, depth + 1])
  }
  return false
}

/**
 * The request's JSON body: 415 unless `Content-Type: application/json`, 413 over `maxBytes`,
 * 400 when it is not JSON, not a JSON object, or nested deeper than MAX_JSON_DEPTH.
 */
export async function readJsonObject(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
  if (type !== 'application/json') {
    await drain(req)
    throw new HttpError(415, 'unsupported_media_type', 'Send the body as JSON with "Content-Type: application/json".')
  }
  const raw = await readRaw(req, maxBytes)
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch (error) {
    throw new HttpError(400, 'malformed_json', `The body is not valid JSON: ${(error as Error).message}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'invalid_body', 'The body must be a JSON object.')
  }
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) {
    throw new HttpError(400, 'too_deeply_nested', `The body nests arrays and objects more than ${MAX_JSON_DEPTH} deep.`)
  }
  return value as Record<string, unknown>
}
