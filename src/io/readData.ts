import { readFile } from 'node:fs/promises';
import { AttnpoolError } from '../errors.js';
import { parseData, type XYData } from './parseData.js';

/** Read a CSV (`x,y` header) or JSON (`{ "x": [...], "y": [...] }`) data file. */
export async function readData(path: string, minPoints = 1): Promise<XYData> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AttnpoolError('E_PARSE', `${path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseData(text, path, minPoints);
}
