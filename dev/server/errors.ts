import { HTTPError } from '@segment/actions-core'
import { redact, type Secrets } from './redact'

/**
 * Errors as the local server answers them: `{error: {code, message}}` with a 4xx/5xx status. A
 * message never carries a stack trace, an absolute path of this machine or a secret.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } }
}

/** The first line of a message, with this machine's working directory left out. */
export function cleanMessage(message: string, secrets: Secrets): string {
  const firstLine = message.split('\n')[0]
  return redact(firstLine.split(process.cwd()).join('.'), secrets)
}

/** What the destination (or actions-core) threw, as much as the server needs of it. */
export interface DestinationFailure {
  status: number
  code: string
  message: string
}

/**
 * An error thrown while running the destination: its own status (IntegrationError, RetryableError,
 * PayloadValidationError, InvalidAuthenticationError...), 400 for a payload or settings validation
 * failure, the response status of an HTTPError, else 500.
 */
export function destinationFailure(error: unknown, secrets: Secrets): DestinationFailure {
  if (error instanceof HttpError) return error
  const err = (error ?? {}) as { status?: unknown; code?: unknown; name?: string; message?: string }
  let status = typeof err.status === 'number' && err.status >= 400 && err.status <= 599 ? err.status : undefined
  if (error instanceof HTTPError) status = error.response?.status ?? status
  const validation = err.name === 'AggregateAjvError' || err.name === 'ValidationError'
  if (status === undefined && validation) status = 400
  const code =
    typeof err.code === 'string' && err.code
      ? err.code
      : validation
      ? 'PAYLOAD_VALIDATION_FAILED'
      : err.name && err.name !== 'Error'
      ? err.name
      : 'internal_error'
  return { status: status ?? 500, code, message: cleanMessage(err.message || String(error), secrets) }
}
