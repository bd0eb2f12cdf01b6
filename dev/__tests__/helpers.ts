import type { Simulator } from '../simulator'

/** Raw HTTP to the simulator and the local server, with Node's fetch (nock does not see it). */

export const KEY = 'sim-test-key'

export interface Reply {
  status: number
  text: string
  json: any
  headers: Headers
  /** `<status> <code>` of an error answer, the simulator's or the server's. */
  failure: string
}

export interface Init {
  body?: unknown
  raw?: string | Buffer
  headers?: Record<string, string>
  signal?: AbortSignal
}

export async function call(base: string, method: string, path: string, init: Init = {}): Promise<Reply> {
  const headers = { ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }), ...init.headers }
  const body = init.body === undefined ? init.raw : JSON.stringify(init.body)
  const response = await fetch(base + path, { method, headers, body, signal: init.signal })
  const text = await response.text()
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return {
    status: response.status,
    text,
    json,
    headers: response.headers,
    failure: `${response.status} ${json?.code ?? json?.error?.code}`
  }
}

/** A FullStory API call with the test key. */
export function api(
  sim: Simulator,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {}
) {
  return call(sim.url, method, path, { body, headers: { Authorization: `Basic ${KEY}`, ...headers } })
}

/** The Authorization header of a Segment write key. */
export const basic = (writeKey: string): Record<string, string> => ({
  Authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`
})
