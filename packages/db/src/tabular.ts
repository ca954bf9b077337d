// The tabular reader moved to @rmi/ingest, the one file reader of the project; these names stay
// here for the code that imports them from @rmi/db.
export {
  type CsvRow,
  CsvSyntaxError,
  decodeText,
  detectEncoding,
  type ParsedCsv,
  parseCsv,
  type TextEncoding,
} from '@rmi/ingest';
