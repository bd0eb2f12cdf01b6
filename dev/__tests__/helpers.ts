import type { Simulator } from '../simulator'

/** Raw HTTP to the simulator and the local server, with Node's fetch (nock does not see it). */

export const KEY = 'sim-test-key'

export interface Reply {
  status: number
  text: string
  json: any
  headers: Headers
}

export async function call(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; headers?: Record<string, string>; signal?: AbortSignal } = {}
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers }
  let body: string | undefined = options.raw
  if (options.body !== undefined) {
    body = JSON.stringify(options.body)
    headers['Content-Type'] ??= 'application/json'
  }
  const response = await fetch(base + path, { method, headers, body, signal: options.signal })
  const text = await response.text()
  let json: unknown
  try {
    json = text ? JSON.parse(text) : undefined
  } catch {
    json = undefined
  }
  return { status: response.status, text, json, headers: response.headers }
}

/** A FullStory API call with the test key. */
export function api(
  sim: Simulator,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {}
): Promise<Reply> {
  return call(sim.url, method, path, { body, headers: { Authorization: `Basic ${KEY}`, ...headers } })
}

/** `{code, message}` of a FullStory error answer, with its status. */
export function failure(reply: Reply): { status: number; code: unknown } {
  return { status: reply.status, code: reply.json?.code }
}
