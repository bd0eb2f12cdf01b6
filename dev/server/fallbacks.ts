import type { NextFunction, Request, Response } from 'express'
import { cleanMessage, errorBody, HttpError } from './errors'
import type { Secrets } from './redact'

/** What the server answers when no route does, and when a route fails. */

export function notFound(req: Request, _res: Response, next: NextFunction): void {
  next(new HttpError(404, 'not_found', `No route ${req.method} ${req.path}; GET / lists the routes.`))
}

/** 405 for a known path asked with another method. */
export function methodNotAllowed(methods: readonly string[]) {
  return function wrongMethod(req: Request, _res: Response, next: NextFunction): void {
    next(
      new HttpError(405, 'method_not_allowed', `Use ${methods.join(' or ')} for ${req.path}.`, {
        Allow: methods.join(', ')
      })
    )
  }
}

/** Another module's error with a 4xx status it means to show (express's body reader, say). */
function exposed(error: unknown): HttpError | undefined {
  const err = error as { status?: unknown; expose?: unknown; message?: string }
  if (typeof err?.status !== 'number' || err.status < 400 || err.status > 499 || err.expose !== true) return undefined
  return new HttpError(err.status, 'bad_request', err.message ?? 'Bad request.')
}

/** Answers `{error: {code, message}}`: an HttpError as it says, anything else as a 500 without its stack. */
export function answerErrors(secrets: () => Secrets) {
  return function answerError(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
    if (res.headersSent) return
    const failure =
      error instanceof HttpError
        ? error
        : exposed(error) ??
          new HttpError(500, 'internal_error', `The local server failed: ${(error as Error)?.message ?? String(error)}`)
    res.locals.note ??= failure.code
    res
      .status(failure.status)
      .set(failure.headers)
      .json(errorBody(failure.code, cleanMessage(failure.message, secrets())))
  }
}
