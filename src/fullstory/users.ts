import { PayloadValidationError, type RequestClient } from '@segment/actions-core'
import { callFullStory, endpoints } from './api'

/**
 * GDPR deletion: `DELETE /v2/users?uid=<userId>`. FullStory deletes asynchronously and needs an
 * Admin or Architect key. A 404 means FullStory holds no such user, so there is nothing to delete.
 */
export async function deleteUser(request: RequestClient, apiKey: string, userId: string | undefined) {
  if (!userId) {
    throw new PayloadValidationError(
      'FullStory deletes users by User ID (uid), and this deletion request has no userId; nothing was deleted.'
    )
  }
  try {
    return await callFullStory(request, endpoints.deleteUser, { apiKey, searchParams: { uid: userId } })
  } catch (error) {
    if ((error as { status?: number }).status === 404) return { status: 404, deleted: false }
    throw error
  }
}
