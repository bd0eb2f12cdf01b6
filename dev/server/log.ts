/** One log line per delivery, with every API key redacted. Settings are never logged. */
export type LogSink = (line: string) => void

export interface Delivery {
  method: string
  route: string
  /** The action run (`identifyUser`, `trackEvent`), or `-` when none was. */
  action: string
  status: number
  durationMs: number
  /** The error code, or a short note (`not subscribed`). */
  note?: string
}

const REDACTED = '[redacted]'

/** Replaces each secret (API keys, write keys) found in `text`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text
  for (const secret of secrets) if (secret) out = out.split(secret).join(REDACTED)
  return out
}

export function formatDelivery(d: Delivery, secrets: readonly (string | undefined)[]): string {
  const parts = [d.method, d.route, d.action, String(d.status), `${Math.round(d.durationMs)}ms`]
  if (d.note) parts.push(d.note)
  return redact(parts.join(' '), secrets)
}
