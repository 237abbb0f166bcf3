/**
 * difflux Node-only API: file I/O, dataset files and (as they land) training and checkpoints.
 * Everything browser-safe is in the main entry (`difflux`); this entry (`difflux/node`) adds the
 * parts that touch the file system.
 */
export * from "./index.js";
export { writeFileAtomic } from "./io/atomic.js";
export { readNpy, writeNpy } from "./io/npyFile.js";
export { readCsv, writeCsv } from "./io/csvFile.js";
export { readIdx, writeIdx } from "./io/idxFile.js";
export { type LoadDigitsOptions, type LoadedDigits, digitsPath, loadDigits } from "./train/datasets/digitsFile.js";
export { type DataFile, type DataFileFormat, dataFileFormat, loadDataFile } from "./train/datasets/file.js";
export {
  type Dataset,
  type DatasetInfo,
  type DatasetName,
  type LoadDatasetOptions,
  DATASET_NAMES,
  DEFAULT_TOY_SIZE,
  datasetInfo,
  isDatasetName,
  loadDataset,
} from "./train/datasets/registry.js";
