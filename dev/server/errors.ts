import { HTTPError } from '@segment/actions-core'
import { HttpError } from './http'
import { redact } from './log'

/**
 * An error thrown while running the destination, as the local server answers it: the error's own
 * status (IntegrationError, RetryableError, PayloadValidationError, InvalidAuthenticationError...),
 * 400 for a payload or settings validation failure, the response status of an HTTPError, else 500.
 * The message is passed on with any API key redacted.
 */
export function fromDestinationError(error: unknown, secrets: readonly (string | undefined)[]): HttpError {
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
  const message = redact(err.message || String(error), secrets)
  return new HttpError(status ?? 500, code, message)
}
