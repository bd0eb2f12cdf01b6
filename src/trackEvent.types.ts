// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * Your ID for the user (the FullStory uid), used when Session URL holds no FullStory session. An event needs a User ID or a Session URL.
   */
  userId?: string
  /**
   * The name of the event in FullStory.
   */
  name: string
  /**
   * Event properties. Names and values FullStory would refuse are made acceptable, and date-times are declared as dates.
   */
  properties?: {
    [k: string]: unknown
  }
  /**
   * When the event happened, sent in UTC: an ISO-8601 date-time (read as UTC without a zone) or Unix time. A value that is not a real date is left out, and the event is still sent.
   */
  timestamp?: string
  /**
   * When the event is sent by User ID, attach it to the user's FullStory session active in the last 30 minutes.
   */
  useRecentSession?: boolean
  /**
   * A FullStory session replay URL or "deviceId:sessionId" id. When set, the event is sent to that session instead of by User ID.
   */
  sessionUrl?: string
  /**
   * Where the event happened, shaped like a Segment event's context: by default its page, userAgent, app, device and screen. Add ip or location to send them too.
   */
  context?: {
    [k: string]: unknown
  }
  /**
   * FullStory types to declare, as property name: type (str, int, real, bool, date, or a plural for lists). Use it for integers, which FullStory otherwise stores as real.
   */
  propertyTypes?: {
    [k: string]: unknown
  }
  /**
   * Identifies the Segment message, so that FullStory records a retried delivery only once. Leave the default, the message ID, unless your source resends one event under new message IDs.
   */
  idempotencyKey?: string
  /**
   * Send events to FullStory as batch import jobs, one request per batch, instead of one request each.
   */
  enable_batching?: boolean
  /**
   * The most events in one batch import job (FullStory accepts up to 50,000).
   */
  batch_size?: number
}
