/** The real letter's data (../shared/seed: Huixquilucan, 8 July 2022), as the tests render it. */
import type { RenderLetterInput } from '../../src/domain/activities';
import { DEFAULT_INSTITUTION } from '../../src/domain/process';

export const HUIXQUILUCAN: RenderLetterInput = {
  workflowId: 'adhesion-cga-15037',
  municipality: 'Huixquilucan',
  inegiCode: '15037',
  president: { name: 'Romina Contreras Carrasco', email: 'p@example.mx' },
  commissioner: { name: 'José Martínez Vilchis', email: 'c@example.mx' },
  letterDate: '2022-07-08',
  place: 'Huixquilucan, Estado de México',
  institution: { ...DEFAULT_INSTITUTION, presidentTitle: 'Presidenta Municipal' },
};
