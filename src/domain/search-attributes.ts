import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The search attributes of DESIGN §3: list columns and filters in the Temporal Web UI, and what
 * `list` and `report` query. Kept current by the workflow at every change.
 */
export const SearchAttributes = {
  stage: defineSearchAttributeKey('AdhesionStage', SearchAttributeType.KEYWORD),
  municipality: defineSearchAttributeKey('AdhesionMunicipality', SearchAttributeType.KEYWORD),
  inegiCode: defineSearchAttributeKey('AdhesionInegiCode', SearchAttributeType.KEYWORD),
  campaign: defineSearchAttributeKey('AdhesionCampaign', SearchAttributeType.KEYWORD),
  /** The current stage's deadline. */
  deadline: defineSearchAttributeKey('AdhesionDeadline', SearchAttributeType.DATETIME),
} as const;
