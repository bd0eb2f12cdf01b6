import type { Express, RequestHandler } from 'express'
import { methodNotAllowed } from './fallbacks'

/**
 * Every route of the server goes through here, so that `GET /` lists them all and a known path
 * asked with another method gets 405 with `Allow`.
 */
export interface RouteInfo {
  method: 'GET' | 'POST'
  path: string
  what: string
}

export class RouteTable {
  readonly routes: RouteInfo[] = []

  constructor(private readonly app: Express) {}

  add(method: RouteInfo['method'], path: string, what: string, ...handlers: RequestHandler[]): void {
    if (method === 'GET') this.app.get(path, ...handlers)
    else this.app.post(path, ...handlers)
    this.routes.push({ method, path, what })
  }

  /** Adds the 405 answers; call after the last `add`. */
  close(): void {
    const methods = new Map<string, string[]>()
    for (const { method, path } of this.routes) methods.set(path, [...(methods.get(path) ?? []), method])
    for (const [path, allowed] of methods) this.app.all(path, methodNotAllowed(allowed))
  }

  /** `['POST /v1/track', ...]`. */
  list(): string[] {
    return this.routes.map(({ method, path }) => `${method} ${path}`)
  }
}
