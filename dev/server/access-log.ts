import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { errorBody } from './errors'
import type { Logger } from './log'

/**
 * One log line per request, written when its answer has been sent, or with 499 when the client
 * closed the connection first. Handlers may leave a short note in `res.locals.note`.
 */
export function accessLog(log: Logger): RequestHandler {
  return function logRequest(req: Request, res: Response, next: NextFunction) {
    const started = performance.now()
    const { method, path } = req
    let logged = false
    const write = () => {
      if (logged) return
      logged = true
      const status = res.writableFinished ? res.statusCode : 499
      const note = status === 499 ? 'client closed the connection' : (res.locals.note as string | undefined)
      log.request(method, path, status, performance.now() - started, note)
    }
    res.once('finish', write)
    res.once('close', write)
    next()
  }
}

/** How long a client may take to send its body (default) before it is answered 408. */
export const BODY_TIMEOUT_MS = 30_000

/**
 * Answers 408 (and closes the connection) when the body has not fully arrived `ms` after the
 * headers, so a stalled client is answered and logged as what it is.
 */
export function bodyTimeout(ms: number): RequestHandler {
  return function limitBodyTime(req: Request, res: Response, next: NextFunction) {
    if (req.complete) return next()
    const timer = setTimeout(() => {
      if (req.complete || res.headersSent) return
      res.locals.note = 'request_timeout'
      res.once('finish', () => req.socket.destroy())
      res
        .status(408)
        .set('Connection', 'close')
        .json(errorBody('request_timeout', `The request body did not arrive within ${ms / 1000} seconds.`))
    }, ms)
    const clear = () => clearTimeout(timer)
    req.once('end', clear)
    res.once('close', clear)
    next()
  }
}
