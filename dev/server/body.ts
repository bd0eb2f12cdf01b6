import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express'
import { HttpError } from './errors'

/**
 * Request bodies: express's body parser reads the bytes (inflating `Content-Encoding: gzip` and
 * `deflate`, as Segment's tracking API accepts them, and stopping at a size limit counted after
 * inflation), then this module turns them into a JSON object with the server's own error codes.
 */

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

function isJson(req: Request): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
  return type === 'application/json'
}

/** The body as a JSON object, or the HttpError that says what is wrong with it. */
export function parseJsonObject(req: Request): Record<string, unknown> {
  if (!isJson(req)) {
    throw new HttpError(415, 'unsupported_media_type', 'Send the body as JSON with "Content-Type: application/json".')
  }
  const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : ''
  if (!raw.trim()) throw new HttpError(400, 'malformed_json', 'The body is empty; send a JSON object.')
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

export interface BodyOptions {
  /** Bytes after inflation. */
  limit: number
  /** The status of a body over the limit: 413, or 400 where Segment answers that. */
  tooLargeStatus?: 400 | 413
}

/**
 * Middleware that reads the body and leaves the JSON object in `req.body` (express's own readers
 * would answer an empty body with `{}` and have no depth bound).
 */
export function jsonBody({ limit, tooLargeStatus = 413 }: BodyOptions): RequestHandler[] {
  const read = express.raw({ type: () => true, limit, inflate: true })
  const readOrExplain: RequestHandler = (req, res, next) =>
    read(req, res, (error?: unknown) => next(error ? bodyError(error, limit, tooLargeStatus) : undefined))
  const parse = (req: Request, _res: Response, next: NextFunction) => {
    req.body = parseJsonObject(req)
    next()
  }
  return [readOrExplain, parse]
}

/** An error of express's body reader as the server's own. */
function bodyError(error: unknown, limit: number, tooLargeStatus: number): unknown {
  const type = (error as { type?: string }).type
  switch (type) {
    case 'entity.too.large':
      return new HttpError(
        tooLargeStatus,
        'payload_too_large',
        `The request body is larger than the limit of ${limit} bytes (counted after decompression).`
      )
    case 'encoding.unsupported':
      return new HttpError(
        415,
        'unsupported_encoding',
        'Send the body plain, or with Content-Encoding gzip or deflate.'
      )
    case 'request.aborted':
      return new HttpError(400, 'request_aborted', 'The client closed the connection before the body ended.')
    default:
      if ((error as { status?: number }).status === 400) {
        return new HttpError(400, 'unreadable_body', 'The body could not be read (a broken gzip or deflate stream?).')
      }
      return error
  }
}
