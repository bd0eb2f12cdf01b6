/** A FullStory error answer: an HTTP status and the `{code, message}` body FullStory sends. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message)
    this.name = 'ApiError'
  }
}

/** 400 `invalid_argument`, FullStory's code for a request that breaks a rule. */
export function invalid(message: string): ApiError {
  return new ApiError(400, 'invalid_argument', message)
}

export function requiredField(field: string): ApiError {
  return new ApiError(400, 'required_field', `${field} is required`)
}

/** The 429 body FullStory documents. */
export const TOO_MANY_REQUESTS_MESSAGE = 'Too many requests. Client has exceeded the rate limit for this endpoint.'
