import express, { type Express, type Request, type Response } from 'express'
import { SIMULATOR_READ_PATHS } from '../simulator'
import { accessLog, bodyTimeout } from './access-log'
import { jsonBody } from './body'
import { answerErrors, notFound } from './fallbacks'
import { hostGuard, originGuard } from './guards'
import type { Logger } from './log'
import type { Secrets } from './redact'
import { RouteTable } from './route-table'
import type { Runtime } from './runtime'
import { authenticate, deleteUser, manifest, refreshAccessToken, runAction } from './serve/routes'
import { simulatorReads } from './simulator-proxy'
import type { Target } from './target'
import { SEGMENT_LIMITS, MESSAGE_TYPES } from './tracking/message'
import { trackBatch, trackOne, type TrackingContext } from './tracking/routes'

/**
 * The express app: guards first (Host, Origin and CORS), then the routes, each with the body limit
 * of its kind, then 404 and the error answer. Body limits: Segment's own on its tracking routes
 * (32 KB a call, 500 KB a batch, both answered 400 as Segment does); 4 MiB, Segment's default batch
 * size in bytes, on the CLI's routes (413).
 */
export const ACTION_BODY_LIMIT = 4 * 1024 * 1024

export interface AppParts {
  runtime: Runtime
  target: Target
  log: Logger
  tracking: TrackingContext
  /** The `Host` values to answer (known once the port is). */
  allowedHosts: () => Set<string>
  bodyTimeoutMs: number
}

function addTrackingRoutes(routes: RouteTable, tracking: TrackingContext): void {
  const single = jsonBody({ limit: SEGMENT_LIMITS.messageBytes, tooLargeStatus: 400 })
  for (const type of MESSAGE_TYPES) {
    routes.add('POST', `/v1/${type}`, `Segment tracking API: one ${type} call`, ...single, trackOne(tracking, type))
  }
  const batch = jsonBody({ limit: SEGMENT_LIMITS.batchBytes, tooLargeStatus: 400 })
  routes.add('POST', '/v1/batch', 'Segment tracking API: {batch: [...]}', ...batch, trackBatch(tracking))
}

function addServeRoutes(routes: RouteTable, runtime: Runtime): void {
  const body = jsonBody({ limit: ACTION_BODY_LIMIT })
  routes.add('GET', '/manifest', 'the destination definition', manifest())
  routes.add(
    'POST',
    '/authenticate',
    'testAuthentication with the settings as the body',
    ...body,
    authenticate(runtime)
  )
  for (const key of Object.keys(runtime.destination.actions)) {
    routes.add('POST', `/${key}`, `the ${key} action: {payload, settings, mapping?}`, ...body, runAction(runtime, key))
  }
  if (runtime.destination.onDelete) {
    routes.add('POST', '/delete', 'onDelete: {payload: {userId}, settings}', ...body, deleteUser(runtime))
  }
  routes.add(
    'POST',
    '/refreshAccessToken',
    'OAuth token refresh (not used by this destination)',
    ...body,
    refreshAccessToken(runtime)
  )
}

export function createApp(parts: AppParts): { app: Express; routes: RouteTable } {
  const { runtime, target, log } = parts
  const secrets = (): Secrets => runtime.secrets()
  const app = express()
  app.disable('x-powered-by')
  app.set('case sensitive routing', true)
  app.set('etag', false)
  app.use(accessLog(log), hostGuard(parts.allowedHosts), ...originGuard(), bodyTimeout(parts.bodyTimeoutMs))

  const routes = new RouteTable(app)
  routes.add('GET', '/', 'this list', function listRoutes(_req: Request, res: Response) {
    res.json({
      destination: runtime.destination.name,
      deliversTo: target.kind === 'FullStory' ? 'FullStory' : target.url,
      routes: Object.fromEntries(routes.routes.map(({ method, path, what }) => [`${method} ${path}`, what]))
    })
  })
  addTrackingRoutes(routes, parts.tracking)
  addServeRoutes(routes, runtime)
  if (target.kind !== 'FullStory') {
    for (const path of SIMULATOR_READ_PATHS)
      routes.add('GET', path, "the simulator's records", simulatorReads(target.url))
  }
  routes.close()

  app.use(notFound)
  app.use(answerErrors(secrets))
  return { app, routes }
}
