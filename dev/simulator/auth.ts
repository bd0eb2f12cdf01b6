import { ApiError } from './errors'
import type { Role } from './types'

/**
 * `Authorization: Basic <API key>`: the raw key after `Basic ` (not base64 of user:password),
 * as FullStory documents. With no keys configured any non-empty key is accepted.
 */
export class KeyRing {
  private readonly keys?: Map<string, Role>

  constructor(keys: string[] | Record<string, Role> | undefined, private readonly defaultRole: Role = 'ADMIN') {
    if (Array.isArray(keys)) this.keys = new Map(keys.map((key) => [key, 'ADMIN']))
    else if (keys) this.keys = new Map(Object.entries(keys))
  }

  /** The key and its role, or 401 `unauthorized` (the message never repeats the key). */
  authenticate(header: string | undefined): { key: string; role: Role } {
    if (!header || !header.startsWith('Basic ')) {
      throw new ApiError(401, 'unauthorized', 'Send the API key as "Authorization: Basic <API key>".')
    }
    const key = header.slice(6).trim()
    if (!key) throw new ApiError(401, 'unauthorized', 'The API key is empty.')
    if (!this.keys) return { key, role: this.defaultRole }
    const role = this.keys.get(key)
    if (!role) throw new ApiError(401, 'unauthorized', 'The API key is not valid or has been revoked.')
    return { key, role }
  }
}
