// @ts-check
'use strict';
/**
 * The few locale facts the engine needs: number separators, the order of day and month, and the default
 * date patterns Google gives a cell when a typed date is recognised. Unknown locales fall back to en_US.
 */

/**
 * Patterns are Sheets number-format patterns (`m` is month, or minutes next to `h`/`s`; 24-hour clock unless
 * the pattern has am/pm).
 * @typedef {{decimal: string, group: string, dmy: boolean, date: string, dateTime: string, time: string,
 *   trueWords: string[], falseWords: string[], es?: boolean}} LocaleInfo
 */

/** @type {Record<string, LocaleInfo>} */
const LOCALES = {
  en_US: { decimal: '.', group: ',', dmy: false, date: 'm/d/yyyy', dateTime: 'm/d/yyyy h:mm:ss', time: 'h:mm:ss am/pm',
    trueWords: ['TRUE'], falseWords: ['FALSE'] },
  en_GB: { decimal: '.', group: ',', dmy: true, date: 'dd/mm/yyyy', dateTime: 'dd/mm/yyyy hh:mm:ss', time: 'hh:mm:ss',
    trueWords: ['TRUE'], falseWords: ['FALSE'] },
  es_CL: { decimal: ',', group: '.', dmy: true, date: 'dd-mm-yyyy', dateTime: 'dd-mm-yyyy hh:mm:ss', time: 'hh:mm:ss',
    trueWords: ['TRUE', 'VERDADERO'], falseWords: ['FALSE', 'FALSO'] },
  es_ES: { decimal: ',', group: '.', dmy: true, date: 'd/mm/yyyy', dateTime: 'd/mm/yyyy h:mm:ss', time: 'h:mm:ss',
    trueWords: ['TRUE', 'VERDADERO'], falseWords: ['FALSE', 'FALSO'] },
  de_DE: { decimal: ',', group: '.', dmy: true, date: 'dd.mm.yyyy', dateTime: 'dd.mm.yyyy hh:mm:ss', time: 'hh:mm:ss',
    trueWords: ['TRUE', 'WAHR'], falseWords: ['FALSE', 'FALSCH'] },
  fr_FR: { decimal: ',', group: '\u202f', dmy: true, date: 'dd/mm/yyyy', dateTime: 'dd/mm/yyyy hh:mm:ss', time: 'hh:mm:ss',
    trueWords: ['TRUE', 'VRAI'], falseWords: ['FALSE', 'FAUX'] },
};

/** @param {string|undefined} locale @returns {LocaleInfo} */
function localeInfo(locale) {
  if (locale && LOCALES[locale]) return LOCALES[locale];
  const lang = (locale || '').split('_')[0];
  if (lang === 'es') return LOCALES.es_ES;
  if (lang === 'de') return LOCALES.de_DE;
  if (lang === 'fr') return LOCALES.fr_FR;
  return LOCALES.en_US;
}

module.exports = { localeInfo, LOCALES };
