/** Where a process stands (DESIGN §2): its stages, who signs in each, and how they are named in Spanish. */

export const Stage = {
  AwaitingMunicipalSignature: 'AwaitingMunicipalSignature',
  AwaitingInstituteCountersignature: 'AwaitingInstituteCountersignature',
  AwaitingSecretariatInstallation: 'AwaitingSecretariatInstallation',
  Completed: 'Completed',
  Declined: 'Declined',
  Withdrawn: 'Withdrawn',
  Expired: 'Expired',
} as const;

export type Stage = (typeof Stage)[keyof typeof Stage];

export const WAITING_STAGES: readonly Stage[] = [
  Stage.AwaitingMunicipalSignature,
  Stage.AwaitingInstituteCountersignature,
  Stage.AwaitingSecretariatInstallation,
];

export function isTerminal(stage: Stage): boolean {
  return !WAITING_STAGES.includes(stage);
}

/** Who signs: the municipal president, or the institute's presiding commissioner. */
export type Role = 'municipal' | 'institute';

export const ROLES: readonly Role[] = ['municipal', 'institute'];

/** The letter's PDF signature field of each role (its /T name): where a PAdES signature goes. */
export const SIGNATURE_FIELD: Readonly<Record<Role, string>> = {
  municipal: 'FirmaMunicipal',
  institute: 'FirmaInstitucional',
};

/** The role whose signature a stage awaits, if any. */
export function roleAwaited(stage: Stage): Role | null {
  if (stage === Stage.AwaitingMunicipalSignature) return 'municipal';
  if (stage === Stage.AwaitingInstituteCountersignature) return 'institute';
  return null;
}

/** Spanish names, for signers, emails and the Web UI. */
export const STAGE_LABEL: Readonly<Record<Stage, string>> = {
  AwaitingMunicipalSignature: 'En espera de la firma municipal',
  AwaitingInstituteCountersignature: 'En espera de la contrafirma del Instituto',
  AwaitingSecretariatInstallation: 'En espera de la instalación del Secretariado Técnico Municipal',
  Completed: 'Concluido',
  Declined: 'Declinado',
  Withdrawn: 'Retirado por la coordinación',
  Expired: 'Vencido',
};
