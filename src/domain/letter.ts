/**
 * The words of the letter of intent (*Manifestación expresa de la intención de participar*), as the
 * real 2022 letter has them: what the president and the commissioner sign. The portal shows them,
 * the PDF (src/activities/letter.ts) lays them out.
 */
import type { RenderLetterInput } from './activities';
import type { Institution } from './institution';

const MONTHS = [
  'enero',
  'febrero',
  'marzo',
  'abril',
  'mayo',
  'junio',
  'julio',
  'agosto',
  'septiembre',
  'octubre',
  'noviembre',
  'diciembre',
];

/** "08 de julio de 2022" from "2022-07-08". */
export function spanishDate(isoDate: string): string {
  const [year, month, day] = isoDate.slice(0, 10).split('-').map(Number);
  if (!year || !month || !day || month > 12) throw new Error(`not a date: ${isoDate}`);
  return `${String(day).padStart(2, '0')} de ${MONTHS[month - 1]} de ${year}`;
}

/** The letter's text, paragraph by paragraph; the PDF lays it out. Exported for tests. */
export function letterText(input: RenderLetterInput): {
  placeAndDate: string;
  subject: string;
  addressees: string[];
  body: string[];
  recognitionsTitle: string;
  recognitions: string[];
  closing: string;
} {
  const { institution: inst, municipality } = input;
  return {
    placeAndDate: `${input.place}; ${spanishDate(input.letterDate)}`,
    subject: `ASUNTO: Manifestación expresa de la intención de participar en el ejercicio de Gobierno Abierto en el ámbito municipal en el ${inst.state}.`,
    addressees: [
      'Integrantes del Secretariado Técnico Local',
      `de Gobierno Abierto del ${inst.state}`,
      'Presentes',
    ],
    body: [
      `Quien suscribe, Titular del Ayuntamiento de ${municipality}, se dirige a este Secretariado Técnico Local de Gobierno Abierto, con el objeto de manifestar de manera expresa la intención de participar en el Ejercicio de Gobierno Abierto en el ámbito municipal, a fin de trabajar de manera conjunta en la consolidación del Primer Plan de Acción Local de Gobierno Abierto del ${inst.state}, en el marco del compromiso proactivo encabezado por ${article(inst)} ${inst.name} (${inst.shortName}) denominado “${inst.commitment}”.`,
      'En virtud de lo anterior, se reafirma la disposición de este Ayuntamiento para llevar a cabo acciones de manera colaborativa con integrantes de la Sociedad Civil presentes en nuestro municipio, constituyendo e instalando los Secretariados Técnicos Municipales que sean una manifestación real del interés por implementar una nueva forma de gobernanza, sustentada en la transparencia, la participación, la rendición de cuentas y la innovación.',
      `Así mismo, se externa la plena y buena voluntad de este Ayuntamiento para coadyuvar con ${article(inst)} ${inst.shortName} y cumplir con el objetivo de transitar hacia un ${inst.state} más abierto.`,
    ],
    recognitionsTitle: 'ANTE ESTA MANIFESTACIÓN SE RECONOCE:',
    recognitions: [
      'A. Que los mecanismos de involucramiento con la ciudadanía en la toma de decisiones e implementación de políticas públicas municipales necesitan fortalecerse.',
      'B. Que las tecnologías de la información y la comunicación ofrecen grandes oportunidades y se vislumbran como un medio innovador para la instrumentación de iniciativas gubernamentales.',
      'C. Que quien suscribe, afirma el compromiso de trabajar desde nuestros respectivos ámbitos de competencia para la adopción de los principios de gobierno abierto propiciando un cambio de cultura institucional centrada en la sociedad, que sea receptiva y con capacidad de atención a las necesidades sociales.',
      'D. Que es indispensable propiciar la cocreación entre distintos actores sociales en la detección y solución de problemáticas específicas, estableciendo los procesos de adopción de las decisiones colectivas.',
      'E. Que es responsabilidad del gobierno municipal promover la transparencia, luchar contra la corrupción, y empoderar a nuestras comunidades.',
      'F. Que éste Ayuntamiento buscará un diálogo directo con la sociedad, por medio de los cuatro pilares considerados en el Modelo de Gobierno Abierto aprobado por el Sistema Nacional de Transparencia, Acceso a la Información Pública y Protección de Datos Personales: transparencia, participación ciudadana, rendición de cuentas, e innovación; mismos que en su conjunto contribuyen a la gobernanza y al buen gobierno municipal.',
      'G. Que este Ayuntamiento instalará los Secretariados Técnicos Municipales correspondientes.',
      `H. Que este Ayuntamiento coadyuvará con ${article(inst)} ${inst.shortName} para alcanzar el objetivo de transitar hacia un ${inst.state} más abierto.`,
    ],
    closing: 'ATENTAMENTE',
  };
}

/** The institution's article in the letter's sentences: `el` (an institute) unless it says `la`. */
function article(institution: Institution): string {
  return institution.article ?? 'el';
}
