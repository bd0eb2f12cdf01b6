import type { CapturedRequest } from './simulator-protocol'

/** A request the destination sent (captured), ready to be sent again without the destination. */
export interface PreparedRequest {
  url: string
  method: 'GET' | 'POST' | 'DELETE'
  json: unknown
  idempotencyKey?: string
}

/**
 * The captured requests, ready to replay: bodies parsed back to objects, so that the request client
 * serializes `json` as the destination's call does (the round trip gives the same bytes: checked).
 */
export function prepareRequests(captured: CapturedRequest[], baseUrl: string): PreparedRequest[] {
  return captured.map((request) => {
    const json: unknown = JSON.parse(request.body)
    if (JSON.stringify(json) !== request.body) throw new Error(`body of ${request.path} does not round-trip`)
    const method = request.method as PreparedRequest['method']
    return { url: baseUrl + request.path, method, json, idempotencyKey: request.idempotencyKey }
  })
}

/** The prepared requests by Idempotency-Key (the event's messageId), for the replay destination. */
export function byIdempotencyKey(requests: PreparedRequest[]): Map<string, PreparedRequest> {
  const map = new Map<string, PreparedRequest>()
  for (const request of requests) {
    if (!request.idempotencyKey || map.has(request.idempotencyKey)) throw new Error('requests need unique keys')
    map.set(request.idempotencyKey, request)
  }
  return map
}
