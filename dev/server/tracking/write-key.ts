import { HttpError } from '../errors'

/**
 * The source's write key, as Segment's HTTP tracking API takes it: `Authorization: Basic
 * base64(<writeKey>:)` (the scheme in any case, strict base64), or `writeKey` in the body.
 * Any non-empty key is accepted unless `required` is set (SEGMENT_WRITE_KEY).
 */
const HOW = 'Send the source write key as the HTTP Basic username with an empty password (curl -u <writeKey>:).'

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

function fromBasic(authorization: string | undefined): string {
  const match = /^basic\s+(\S*)\s*$/i.exec(authorization ?? '')
  if (!match) return ''
  const encoded = match[1]
  if (!encoded || !BASE64.test(encoded)) {
    throw new HttpError(401, 'unauthorized', `The Authorization header is not valid base64. ${HOW}`)
  }
  const decoded = Buffer.from(encoded, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon < 0 ? decoded : decoded.slice(0, colon)
}

export function writeKeyOf(
  authorization: string | undefined,
  body: Record<string, unknown>,
  required?: string
): string {
  let key = fromBasic(authorization)
  if (!key && typeof body.writeKey === 'string') key = body.writeKey
  if (!key) throw new HttpError(401, 'unauthorized', HOW)
  if (required !== undefined && key !== required) {
    throw new HttpError(401, 'unauthorized', 'The write key does not match SEGMENT_WRITE_KEY.')
  }
  return key
}
