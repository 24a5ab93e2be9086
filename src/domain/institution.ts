/** The institution that countersigns and runs the process, as its letters and mails name it. */

/** Names shown in the letter and emails; other states run the same process with their own. */
export interface Institution {
  /** E.g. "Instituto de Transparencia, Acceso a la Información Pública y Protección de Datos Personales del Estado de México y Municipios". */
  readonly name: string;
  /** E.g. "Infoem". */
  readonly shortName: string;
  /** E.g. "Estado de México". */
  readonly state: string;
  /** The commissioner's title, e.g. "Comisionado Presidente del Infoem". */
  readonly commissionerTitle: string;
  /** The president's title, e.g. "Presidenta Municipal". */
  readonly presidentTitle: string;
  /** The commitment's name, e.g. "Cultura de Gobierno Abierto". */
  readonly commitment: string;
  /** The article the letter uses before its name: `el` (the default, an institute) or `la` (a secretaría). */
  readonly article?: 'el' | 'la';
}

export const DEFAULT_INSTITUTION: Institution = {
  name: 'Instituto de Transparencia, Acceso a la Información Pública y Protección de Datos Personales del Estado de México y Municipios',
  shortName: 'Infoem',
  state: 'Estado de México',
  commissionerTitle: 'Comisionado Presidente del Infoem',
  presidentTitle: 'Presidente Municipal',
  commitment: 'Cultura de Gobierno Abierto',
};
