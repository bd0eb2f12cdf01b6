import cors from 'cors'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { HttpError } from './errors'

/**
 * Who may talk to the local server.
 *
 * Host: only requests addressed to a loopback name with the server's port (`localhost:3000`,
 * `127.0.0.1:3000`, `[::1]:3000`), or to `HOST` when it names another address. A web page cannot
 * reach the server through DNS rebinding (its requests carry the page's own host name), so it cannot
 * make a browser send users or deletions, which with `FULLSTORY_API_KEY` set would reach FullStory.
 *
 * Origin: browsers say where a request comes from. Segment's app may (its Actions Tester drives the
 * CLI's `serve` from there, with CORS); a request from any other page is refused, preflight or not.
 * Clients that are not browsers send no `Origin` and are not concerned.
 */

/** The origins the monorepo's `./bin/run serve` allows: Segment's app, in each region, and its local build. */
export const SEGMENT_APP_ORIGINS = [
  'https://app.segment.com',
  'https://eu1.app.segment.com',
  'https://app.segment.build',
  'https://eu1.app.segment.build',
  'http://localhost:8000'
] as const

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]']
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]'])

/** The `Host` values the server answers: each loopback name (and `host` unless a wildcard) with `port`. */
export function allowedHosts(host: string, port: number): Set<string> {
  const bare = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  const names = WILDCARD_HOSTS.has(bare) ? LOOPBACK_NAMES : [...new Set([...LOOPBACK_NAMES, bare.toLowerCase()])]
  const allowed = new Set(names.map((name) => `${name}:${port}`))
  if (port === 80) for (const name of names) allowed.add(name)
  return allowed
}

export function hostGuard(allowed: () => Set<string>): RequestHandler {
  return function checkHost(req: Request, _res: Response, next: NextFunction) {
    const host = (req.headers.host ?? '').toLowerCase()
    if (allowed().has(host)) return next()
    next(
      new HttpError(
        403,
        'forbidden_host',
        `This server answers only requests addressed to ${[...allowed()].join(', ')} (set HOST to serve another name).`
      )
    )
  }
}

export function originGuard(): RequestHandler[] {
  const allowed = new Set<string>(SEGMENT_APP_ORIGINS)
  const checkOrigin = (req: Request, _res: Response, next: NextFunction) => {
    const origin = req.headers.origin
    if (origin === undefined || allowed.has(origin)) return next()
    next(
      new HttpError(
        403,
        'forbidden_origin',
        `Requests from web pages are refused unless they come from Segment's app (${SEGMENT_APP_ORIGINS.join(', ')}).`
      )
    )
  }
  return [checkOrigin, cors({ origin: [...SEGMENT_APP_ORIGINS], maxAge: 600 })]
}
