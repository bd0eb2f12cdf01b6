import { HTTPError } from '@segment/actions-core'
import { cleanMessage } from '../errors'
import type { Secrets } from '../redact'

/**
 * An error as the CLI's `serve` answers it on action and /delete routes (with status 200):
 * `[{statusCode, message, fields?, requestError: true}]`, where `fields` names each settings or
 * payload field that failed validation and an HTTPError's message is the response body. Unlike the
 * CLI, no stack trace (it would show this machine's paths), and a validation failure says 400 where
 * the CLI says 500.
 */
export interface ErrorOutput {
  statusCode: number
  message?: string
  fields?: Record<string, string>
  requestError: true
}

interface FieldError {
  path: string
  message: string
}

/** `{apiKey: "The root value is missing..."}` from an AggregateAjvError (an iterable of field errors). */
export function fieldsOf(error: unknown): Record<string, string> | undefined {
  const err = error as { name?: string } & Partial<Iterable<FieldError>>
  if (err?.name !== 'AggregateAjvError' || typeof err[Symbol.iterator] !== 'function') return undefined
  const fields: Record<string, string> = {}
  for (const field of err as Iterable<FieldError>) fields[field.path.replace('$.', '')] = field.message
  return fields
}

export function errorOutput(error: unknown, secrets: Secrets): ErrorOutput {
  const err = (error ?? {}) as { status?: number; message?: string; name?: string }
  const validation = err.name === 'AggregateAjvError' || err.name === 'ValidationError'
  let statusCode = typeof err.status === 'number' ? err.status : validation ? 400 : 500
  let message: unknown = err.message
  if (error instanceof HTTPError) {
    statusCode = error.response?.status ?? statusCode
    const response = error.response as { data?: unknown; content?: string } | undefined
    message = response?.data ?? response?.content
  }
  const text = typeof message === 'string' ? message : JSON.stringify(message ?? String(error))
  const fields = fieldsOf(error)
  return { statusCode, message: cleanMessage(text, secrets), ...(fields ? { fields } : {}), requestError: true }
}
