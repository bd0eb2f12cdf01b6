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
   * When the event happened, sent in UTC. A number is Unix time, a date-time without a time zone is read as UTC, and a date that does not exist is left out.
   */
  timestamp?: string | number
  /**
   * When the event is sent by User ID, attach it to the user's FullStory session active in the last 30 minutes.
   */
  useRecentSession?: boolean
  /**
   * A FullStory session replay URL or "deviceId:sessionId" id. When set, the event is sent to that session instead of by User ID.
   */
  sessionUrl?: string
  /**
   * Where the event happened, sent as FullStory event context. Values FullStory would refuse are left out.
   */
  context?: {
    /**
     * Sent as FullStory's browser.url.
     */
    pageUrl?: string
    /**
     * Sent as FullStory's browser.user_agent.
     */
    userAgent?: string
    /**
     * Sent as FullStory's browser.initial_referrer.
     */
    referrer?: string
    /**
     * Sent as FullStory's mobile.app_id.
     */
    appId?: string
    /**
     * Sent as FullStory's mobile.app_name.
     */
    appName?: string
    /**
     * Sent as FullStory's mobile.app_version.
     */
    appVersion?: string
    /**
     * Sent as FullStory's device.manufacturer.
     */
    deviceManufacturer?: string
    /**
     * Sent as FullStory's device.model.
     */
    deviceModel?: string
    /**
     * Sent as FullStory's device.screen_width, in whole pixels.
     */
    screenWidth?: string
    /**
     * Sent as FullStory's device.screen_height, in whole pixels.
     */
    screenHeight?: string
    /**
     * Sent as FullStory's location.ip_address.
     */
    ip?: string
    /**
     * Sent as FullStory's location.city.
     */
    city?: string
    /**
     * Sent as FullStory's location.country, as an ISO 3166-1 alpha-2 code.
     */
    country?: string
    /**
     * Sent as FullStory's location.region, as an ISO 3166-2 code.
     */
    region?: string
    /**
     * Sent as FullStory's location.latitude.
     */
    latitude?: string
    /**
     * Sent as FullStory's location.longitude.
     */
    longitude?: string
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
