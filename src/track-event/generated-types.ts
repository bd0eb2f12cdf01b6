// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * Your ID for the user (FullStory uid, at most 256 characters), the same ID Identify User sends. Used to attach the event to the user when Session URL holds no FullStory session. An event needs a User ID or a Session URL; with neither it is rejected, because FullStory would record it under a new anonymous user.
   */
  user_id?: string
  /**
   * The name of the event in FullStory. Spaces around it are removed, and an event whose name is then empty is rejected. A name longer than 250 characters (the limit of FullStory's browser API; the server's limit is not published) is cut to its first 250 characters rather than rejected, so the event is kept.
   */
  name: string
  /**
   * Event properties for FullStory. Names are made acceptable to FullStory (letters, digits and underscores, starting with a letter), null values are dropped, arrays of objects become objects of arrays, and date-time strings are declared as dates.
   */
  properties?: {
    [k: string]: unknown
  }
  /**
   * When the event happened; sent to FullStory in UTC (ISO-8601). A number is read as Unix time (seconds, or milliseconds when it is that large). A value that is not a date is left out, and FullStory then uses the time it receives the event.
   */
  timestamp?: string | number
  /**
   * A FullStory session to attach the event to: a session replay URL, as FS.getCurrentSessionURL() returns it (app.fullstory.com or app.eu1.fullstory.com), or a raw "deviceId:sessionId" id. When it holds a session, the event is sent to that session and User ID is not sent. Any other value is ignored and the event is sent by User ID. If FullStory reports that the session is full (session_page_limit_exceeded) and a User ID is known, the event is sent once more by User ID.
   */
  session_url?: string
  /**
   * When the event is sent by User ID: attach it to the user's most recent FullStory session, if that session was active in the last 30 minutes (otherwise FullStory stores the event on the user without a session). When off, the event is always stored on the user without a session.
   */
  use_recent_session?: boolean
  /**
   * Where the event happened, sent as FullStory event context. Only values of the form FullStory accepts are sent: the country as an ISO 3166-1 alpha-2 code (country names and alpha-3 codes are converted), the region as an ISO 3166-2 code (region names of the known country are converted), coordinates and screen sizes as numbers. Values that cannot be converted are left out; the event is still sent.
   */
  context?: {
    /**
     * The URL of the page where the event happened (FullStory browser.url).
     */
    page_url?: string
    /**
     * The browser's user agent string (FullStory browser.user_agent).
     */
    user_agent?: string
    /**
     * The URL that referred the user to the page (FullStory browser.initial_referrer).
     */
    referrer?: string
    /**
     * The mobile app's bundle ID or package name (FullStory mobile.app_id).
     */
    app_namespace?: string
    /**
     * The mobile app's name (FullStory mobile.app_name).
     */
    app_name?: string
    /**
     * The mobile app's version (FullStory mobile.app_version).
     */
    app_version?: string
    /**
     * The device's manufacturer (FullStory device.manufacturer).
     */
    device_manufacturer?: string
    /**
     * The device's model (FullStory device.model).
     */
    device_model?: string
    /**
     * The screen width in pixels (FullStory device.screen_width). Sent rounded to a whole positive number; a value that is not a number is left out and the event is still sent.
     */
    screen_width?: string
    /**
     * The screen height in pixels (FullStory device.screen_height). Sent rounded to a whole positive number; a value that is not a number is left out and the event is still sent.
     */
    screen_height?: string
    /**
     * The user's IPv4 or IPv6 address (FullStory location.ip_address).
     */
    ip?: string
    /**
     * The city (FullStory location.city).
     */
    city?: string
    /**
     * The country, as an ISO 3166-1 alpha-2 or alpha-3 code or an English name; sent as the alpha-2 code (FullStory location.country).
     */
    country?: string
    /**
     * The region (state, province), as an ISO 3166-2 code ("US-CA"), or a subdivision code or name of the country above; sent as the ISO 3166-2 code (FullStory location.region).
     */
    region?: string
    /**
     * The latitude, from -90 to 90 (FullStory location.latitude). A value that is not such a number is left out and the event is still sent.
     */
    latitude?: string
    /**
     * The longitude, from -180 to 180 (FullStory location.longitude). A value that is not such a number is left out and the event is still sent.
     */
    longitude?: string
  }
  /**
   * FullStory types to declare for properties, keyed by the property name FullStory receives (after the name cleaning described under Properties; a dotted path for nested properties, e.g. "order.total"), each one of str, int, real, bool, date or the plural forms strs, ints, reals, bools, dates. A declaration wins over the type FullStory would infer; for example declare "quantity" as int, since FullStory stores every number as real unless told. An unknown type rejects the event.
   */
  property_types?: {
    [k: string]: unknown
  }
  /**
   * Sent as the Idempotency-Key header, so that a retried delivery of the same Segment event is recorded by FullStory only once (for 24 hours).
   */
  idempotency_key?: string
  /**
   * When on, Segment collects events and sends each batch to FullStory as one batch import job (one request for up to Batch Size events) instead of one request per event. FullStory checks the rows of a job after accepting it: a row it then refuses is reported in the job's errors in FullStory, not back to Segment. Events this destination can tell are invalid before sending are still reported to Segment one by one.
   */
  enable_batching?: boolean
  /**
   * The most events in one batch import job, from 10 to 50,000 (FullStory's limit per job). Only used when Send in Batches is on.
   */
  batch_size?: number
}
