// Generated file. DO NOT MODIFY IT BY HAND.

export interface Payload {
  /**
   * Your stable ID for the user, sent as the FullStory uid. Needed on every identify: without it FullStory would create a new anonymous user for every call, so an identify without one (empty or blank) stops with an error saying so. FullStory accepts at most 256 characters; a longer ID stops the event with an error.
   */
  user_id?: string
  /**
   * Segment's anonymous ID for the user, sent as the user property segmentAnonymousId (the name Segment's earlier FullStory actions use). It comes first among the properties and keeps that name; a trait of the same name is then sent as segmentAnonymousId_2.
   */
  anonymous_id?: string
  /**
   * The name FullStory shows for the user. FullStory accepts at most 256 characters: a longer name is left out of the display name, so the rest of the user still arrives, and is kept as a user property: under its trait (name, with the default mapping), or as displayName when no trait holds it.
   */
  display_name?: string
  /**
   * The user's email address. FullStory accepts at most 128 characters: a longer value is left out of the email field, so the rest of the user still arrives, and is kept as a user property: under its trait (email, with the default mapping), or as email when no trait holds it.
   */
  email?: string
  /**
   * User properties to store in FullStory (name and email stay here too, as Segment’s earlier FullStory actions send them). Names are made acceptable to FullStory: accented and non-Latin letters are transliterated (Größe becomes Grosse), characters other than letters, digits and _ are removed, a name that does not start with a letter gets the prefix p_ (1st_order becomes p_1st_order), a name with nothing left becomes p_ and the hex codes of its characters, and traits that end up with the same name are all kept, in order (plan, plan_2). Values: empty (null) traits are skipped; a list of objects becomes an object of lists (products: [{sku}] becomes products.sku: [...]); a list mixing types becomes a list of text; text and lists are cut to 8192 bytes; objects nested more than 10 levels deep are sent as JSON text; and at most 500 properties are sent (the first 500, in order). ISO-8601 date-times such as 2024-05-01T12:00:00Z are declared as dates.
   */
  traits?: {
    [k: string]: unknown
  }
  /**
   * Optional FullStory types for user properties, as property name: type. Types: str, int, real, bool, date and, for lists, strs, ints, reals, bools, dates. FullStory stores every number as real unless it is declared int. Use the names FullStory receives (after the cleaning described under Traits), with dots for nested properties, e.g. address.zip: str. A declaration overrides the automatic date detection and applies only when the identify carries that property; an unknown type or a name FullStory cannot receive stops the event with an error that names it.
   */
  property_types?: {
    [k: string]: unknown
  }
  /**
   * Sent as FullStory's Idempotency-Key header, so that a retried delivery of the same identify is applied once (FullStory remembers a key for 24 hours). The default, the Segment message ID, is unique per event. Leave empty to send no key.
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
